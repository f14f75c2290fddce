"""CMPM, SDM and identity losses against direct (loop) computations."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmvision_plus.models.losses import (CMPMLoss, IdentityLoss,
                                         PairwiseMatchingLoss, SDMLoss,
                                         cmpm_loss, cosine_similarity_matrix,
                                         identity_loss, identity_match_matrix,
                                         sdm_loss)
from mmvision_plus.registry import MODELS


def _dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def _softmax(row):
    peak = max(row)
    exps = [math.exp(v - peak) for v in row]
    total = sum(exps)
    return [e / total for e in exps]


def _kl_rows(scores, targets, eps):
    """sum_j p_ij (log p_ij - log(t_ij + eps)) per row i, plain floats."""
    rows = []
    for row, target in zip(scores, targets):
        p = _softmax(row)
        rows.append(sum(pj * (math.log(pj) - math.log(tj + eps))
                        for pj, tj in zip(p, target)))
    return rows


def _mean(values):
    return sum(values) / len(values)


def _match(labels):
    return [[1.0 if a == b else 0.0 for b in labels] for a in labels]


def _loop_cmpm_rows(img, txt, labels, eps=1e-8):
    """Per-row (image-to-text, text-to-image) CMPM losses."""
    img, txt = img.tolist(), txt.tolist()
    match = _match(labels.tolist())
    # IRRA row-normalises the match matrix by its L2 norm
    target = [[m / math.sqrt(sum(v * v for v in row)) for m in row]
              for row in match]
    norm = [math.sqrt(_dot(v, v)) for v in txt]
    inorm = [math.sqrt(_dot(v, v)) for v in img]
    i2t = [[_dot(a, b) / nb for b, nb in zip(txt, norm)] for a in img]
    t2i = [[_dot(b, a) / na for a, na in zip(img, inorm)] for b in txt]
    return _kl_rows(i2t, target, eps), _kl_rows(t2i, target, eps)


def _loop_cmpm(img, txt, labels, eps=1e-8):
    i2t, t2i = _loop_cmpm_rows(img, txt, labels, eps)
    return _mean(i2t) + _mean(t2i)


def _loop_sdm_rows(img, txt, labels, scale=50.0, eps=1e-8):
    """Per-row (image-to-text, text-to-image) SDM losses."""
    img, txt = img.tolist(), txt.tolist()
    match = _match(labels.tolist())
    target = [[m / sum(row) for m in row] for row in match]
    cos = [[_dot(a, b) / math.sqrt(_dot(a, a) * _dot(b, b)) for b in txt]
           for a in img]
    i2t = [[scale * c for c in row] for row in cos]
    t2i = [[scale * cos[i][j] for i in range(len(img))]
           for j in range(len(txt))]
    return _kl_rows(i2t, target, eps), _kl_rows(t2i, target, eps)


def _loop_sdm(img, txt, labels, scale, eps=1e-8):
    i2t, t2i = _loop_sdm_rows(img, txt, labels, scale, eps)
    return _mean(i2t) + _mean(t2i)


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


def _loop_identity_per_sample(logits, labels):
    """Per sample: the mean over feature sets of its cross-entropy."""
    per_sample = [0.0] * len(labels)
    for x in logits:
        for i, (row, y) in enumerate(zip(x.tolist(), labels.tolist())):
            per_sample[i] += -math.log(_softmax(row)[y]) / len(logits)
    return per_sample


def test_identity_loss_matches_loop():
    torch.manual_seed(3)
    logits = [torch.randn(6, 4, dtype=torch.float64) for _ in range(3)]
    labels = torch.tensor([0, 3, 1, 1, 2, 0])
    expected = _mean(_loop_identity_per_sample(logits, labels))
    assert identity_loss(logits, labels).item() == pytest.approx(expected,
                                                                 rel=1e-9)
    assert IdentityLoss(loss_weight=2.0)(logits, labels).item() == \
        pytest.approx(2 * expected, rel=1e-9)
    with pytest.raises(ValueError, match='at least one'):
        identity_loss([], labels)


def test_losses_are_registered():
    for name in ('CMPMLoss', 'SDMLoss', 'IdentityLoss'):
        assert MODELS.build(dict(type=name)) is not None


# ------------------------------------ reduction, weights, loss_weight ---
def close(actual, expected, rtol=1e-9):
    torch.testing.assert_close(actual, expected, rtol=rtol, atol=0)


def _pairs(seed=4, batch=6, dim=5):
    gen = torch.Generator().manual_seed(seed)
    img = torch.randn(batch, dim, generator=gen, dtype=torch.float64)
    txt = torch.randn(batch, dim, generator=gen, dtype=torch.float64)
    return img, txt


MATCHING = [(CMPMLoss, cmpm_loss, _loop_cmpm_rows),
            (SDMLoss, sdm_loss, _loop_sdm_rows)]


@pytest.mark.parametrize('loss_cls, functional, loop_rows', MATCHING,
                         ids=['cmpm', 'sdm'])
def test_matching_reduction_weight_and_loss_weight(loss_cls, functional,
                                                   loop_rows):
    img, txt = _pairs()
    labels = torch.tensor([0, 0, 1, 2, 2, 2])
    i2t, t2i = map(lambda r: torch.tensor(r, dtype=torch.float64),
                   loop_rows(img, txt, labels))
    per_pair = i2t + t2i
    weight = torch.rand(6, generator=torch.Generator().manual_seed(5),
                        dtype=torch.float64)
    loss = loss_cls(loss_weight=0.3)
    close(loss(img, txt, labels), 0.3 * per_pair.mean())
    close(loss(img, txt, labels, reduction_override='none'), 0.3 * per_pair)
    close(loss(img, txt, labels, reduction_override='sum'),
          0.3 * per_pair.sum())
    close(loss(img, txt, labels, weight=weight),
          0.3 * (weight * per_pair).mean())
    close(loss(img, txt, labels, weight=weight, avg_factor=4.0),
          0.3 * (weight * per_pair).sum() / 4.0, rtol=1e-6)
    close(loss_cls(reduction='sum')(img, txt, labels), per_pair.sum())
    assert loss_cls(reduction='none')(img, txt, labels).shape == (6, )
    # the defaults give the functional form's numbers bit for bit
    assert torch.equal(loss_cls()(img, txt, labels),
                       functional(img, txt, labels))


@pytest.mark.parametrize('loss_cls', [CMPMLoss, SDMLoss])
def test_matching_match_matrix_forms(loss_cls):
    img, txt = _pairs(seed=6)
    loss = loss_cls(reduction='none')
    # no labels: image i matches text i only
    assert torch.equal(loss(img, txt), loss(img, txt, torch.arange(6)))
    # a float matrix is used as the match matrix
    labels = torch.tensor([1, 0, 1, 2, 0, 1])
    assert torch.equal(
        loss(img, txt, identity_match_matrix(labels).double()),
        loss(img, txt, labels))
    # an asymmetric soft match: text-to-image uses its transpose, i.e.
    # swapping the modalities and transposing the match swaps the terms
    soft = torch.rand(6, 6, generator=torch.Generator().manual_seed(7),
                      dtype=torch.float64)
    i2t, t2i = loss.directional_losses(img, txt, soft)
    swapped_i2t, swapped_t2i = loss.directional_losses(txt, img, soft.t())
    close(t2i, swapped_i2t, rtol=1e-12)
    close(i2t, swapped_t2i, rtol=1e-12)
    assert not torch.allclose(i2t, t2i)


@pytest.mark.parametrize('loss_cls', [CMPMLoss, SDMLoss])
def test_matching_bad_input_names_the_loss(loss_cls):
    name = loss_cls.__name__
    img, txt = _pairs()
    loss = loss_cls()
    with pytest.raises(ValueError, match=f'{name}: expected 6 identity '
                       r'labels, one per pair, got shape \(5,\)'):
        loss(img, txt, torch.arange(5))
    with pytest.raises(ValueError, match=f'{name}: a float labels tensor '
                       r'is a match matrix .* \(6, 6\), got \(6,\)'):
        loss(img, txt, torch.ones(6))
    with pytest.raises(ValueError, match=f'{name}: the match matrix must '
                       'be non-negative'):
        loss(img, txt, -torch.ones(6, 6))
    with pytest.raises(ValueError, match=f'{name} expects image_feats and '
                       'text_feats of the same shape'):
        loss(img, txt[:, :4], torch.arange(6))


class _MeanOfDirectionsCE(PairwiseMatchingLoss):
    """A subclass defining only ``directional_losses``: the mean of the two
    directions' cross-entropies at temperature 0.07 (CLIP's form)."""

    def directional_losses(self, image_feats, text_feats, match):
        logits = cosine_similarity_matrix(image_feats, text_feats) / 0.07

        def cross_entropy_rows(scores, target):
            target = target / target.sum(dim=1, keepdim=True)
            return -(target * F.log_softmax(scores, dim=1)).sum(dim=1)

        return (0.5 * cross_entropy_rows(logits, match),
                0.5 * cross_entropy_rows(logits.t(), match.t()))


def test_pairwise_base_serves_a_subclass_with_only_its_row_losses():
    with pytest.raises(TypeError, match='abstract'):
        PairwiseMatchingLoss()
    img, txt = _pairs(seed=8)
    logits = cosine_similarity_matrix(img, txt) / 0.07
    pairs = torch.arange(6)
    clip = (F.cross_entropy(logits, pairs) +
            F.cross_entropy(logits.t(), pairs)) / 2
    close(_MeanOfDirectionsCE()(img, txt), clip, rtol=1e-12)
    close(_MeanOfDirectionsCE(reduction='sum', loss_weight=2.0)(img, txt),
          2 * 6 * clip, rtol=1e-12)


def test_identity_loss_reduction_weight_and_loss_weight():
    gen = torch.Generator().manual_seed(9)
    logits = [torch.randn(6, 4, generator=gen, dtype=torch.float64)
              for _ in range(3)]
    labels = torch.tensor([0, 3, 1, 1, 2, 0])
    per_sample = torch.tensor(_loop_identity_per_sample(logits, labels),
                              dtype=torch.float64)
    weight = torch.rand(6, generator=gen, dtype=torch.float64)
    loss = IdentityLoss(loss_weight=0.5)
    close(loss(logits, labels, reduction_override='none'), 0.5 * per_sample)
    close(loss(logits, labels, reduction_override='sum'),
          0.5 * per_sample.sum())
    close(loss(logits, labels, weight=weight),
          0.5 * (weight * per_sample).mean())
    close(loss(logits, labels, weight=weight, avg_factor=3.0),
          0.5 * (weight * per_sample).sum() / 3.0, rtol=1e-6)
    close(IdentityLoss(reduction='sum')(logits, labels), per_sample.sum())
    # without weights the numbers are identity_loss's, bit for bit
    logits32 = [x.float() for x in logits]
    assert torch.equal(IdentityLoss()(logits32, labels),
                       identity_loss(logits32, labels))
    with pytest.raises(ValueError, match='IdentityLoss needs at least one'):
        loss([], labels, weight=weight)
