"""CMPM, SDM and identity losses against direct (loop) computations."""
import math

import pytest
import torch

from mmvision_plus.models.losses import (CMPMLoss, IdentityLoss, SDMLoss,
                                         cmpm_loss, identity_loss, sdm_loss)
from mmvision_plus.registry import MODELS


def _dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def _softmax(row):
    peak = max(row)
    exps = [math.exp(v - peak) for v in row]
    total = sum(exps)
    return [e / total for e in exps]


def _kl_rows(scores, targets, eps):
    """mean_i sum_j p_ij (log p_ij - log(t_ij + eps)) with plain floats."""
    total = 0.0
    for row, target in zip(scores, targets):
        p = _softmax(row)
        total += sum(pj * (math.log(pj) - math.log(tj + eps))
                     for pj, tj in zip(p, target))
    return total / len(scores)


def _match(labels):
    return [[1.0 if a == b else 0.0 for b in labels] for a in labels]


def _loop_cmpm(img, txt, labels, eps=1e-8):
    img, txt = img.tolist(), txt.tolist()
    match = _match(labels.tolist())
    # IRRA row-normalises the match matrix by its L2 norm
    target = [[m / math.sqrt(sum(v * v for v in row)) for m in row]
              for row in match]
    norm = [math.sqrt(_dot(v, v)) for v in txt]
    inorm = [math.sqrt(_dot(v, v)) for v in img]
    i2t = [[_dot(a, b) / nb for b, nb in zip(txt, norm)] for a in img]
    t2i = [[_dot(b, a) / na for a, na in zip(img, inorm)] for b in txt]
    return _kl_rows(i2t, target, eps) + _kl_rows(t2i, target, eps)


def _loop_sdm(img, txt, labels, scale, eps=1e-8):
    img, txt = img.tolist(), txt.tolist()
    match = _match(labels.tolist())
    target = [[m / sum(row) for m in row] for row in match]
    cos = [[_dot(a, b) / math.sqrt(_dot(a, a) * _dot(b, b)) for b in txt]
           for a in img]
    i2t = [[scale * c for c in row] for row in cos]
    t2i = [[scale * cos[i][j] for i in range(len(img))]
           for j in range(len(txt))]
    return _kl_rows(i2t, target, eps) + _kl_rows(t2i, target, eps)


@pytest.mark.parametrize('labels', [[0, 1, 2, 3, 4], [0, 0, 1, 2, 2],
                                    [3, 3, 3, 1, 1]])
def test_cmpm_matches_loop(labels):
    torch.manual_seed(0)
    img = torch.randn(5, 6, dtype=torch.float64) * 2
    txt = torch.randn(5, 6, dtype=torch.float64)
    labels = torch.tensor(labels)
    expected = _loop_cmpm(img, txt, labels)
    assert cmpm_loss(img, txt, labels).item() == pytest.approx(expected,
                                                               rel=1e-9)
    module = CMPMLoss(loss_weight=0.5)
    assert module(img, txt, labels).item() == pytest.approx(0.5 * expected,
                                                            rel=1e-9)


def test_cmpm_is_asymmetric_in_feature_scale():
    """Only the projected-onto side is normalised: scaling images matters."""
    torch.manual_seed(1)
    img, txt = torch.randn(4, 3), torch.randn(4, 3)
    labels = torch.arange(4)
    assert not torch.isclose(cmpm_loss(img, txt, labels),
                             cmpm_loss(3 * img, txt, labels))
    assert torch.isclose(
        cmpm_loss(img, txt, labels),
        torch.tensor(_loop_cmpm(img.double(), txt.double(), labels),
                     dtype=torch.float32), atol=1e-5)


def test_cmpm_small_when_matched_and_gradients_flow():
    labels = torch.arange(4)
    feats = torch.eye(4) * 20
    assert cmpm_loss(feats, feats, labels) < 1e-3
    img = torch.randn(4, 8, requires_grad=True)
    txt = torch.randn(4, 8, requires_grad=True)
    cmpm_loss(img, txt, labels).backward()
    assert img.grad.abs().sum() > 0 and txt.grad.abs().sum() > 0


def test_cmpm_shape_error():
    with pytest.raises(ValueError, match='same shape'):
        cmpm_loss(torch.zeros(3, 4), torch.zeros(3, 5), torch.arange(3))


@pytest.mark.parametrize('labels', [[0, 1, 2, 3], [1, 1, 0, 0]])
def test_sdm_matches_loop(labels):
    torch.manual_seed(2)
    img = torch.randn(4, 5, dtype=torch.float64)
    txt = torch.randn(4, 5, dtype=torch.float64)
    labels = torch.tensor(labels)
    expected = _loop_sdm(img, txt, labels, scale=50.0)
    assert sdm_loss(img, txt, labels, 50.0).item() == pytest.approx(
        expected, rel=1e-9)
    assert SDMLoss(temperature=0.02)(img, txt, labels).item() == \
        pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match='temperature'):
        SDMLoss(temperature=0)


def test_identity_loss_matches_loop():
    torch.manual_seed(3)
    logits = [torch.randn(6, 4, dtype=torch.float64) for _ in range(3)]
    labels = torch.tensor([0, 3, 1, 1, 2, 0])
    expected = 0.0
    for x in logits:
        ce = 0.0
        for row, y in zip(x.tolist(), labels.tolist()):
            ce += -math.log(_softmax(row)[y])
        expected += ce / len(labels)
    expected /= len(logits)
    assert identity_loss(logits, labels).item() == pytest.approx(expected,
                                                                 rel=1e-9)
    assert IdentityLoss(loss_weight=2.0)(logits, labels).item() == \
        pytest.approx(2 * expected, rel=1e-9)
    with pytest.raises(ValueError, match='at least one'):
        identity_loss([], labels)


def test_losses_are_registered():
    for name in ('CMPMLoss', 'SDMLoss', 'IdentityLoss'):
        assert MODELS.build(dict(type=name)) is not None
