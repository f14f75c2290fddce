"""ITC, ITM, MLM and LM losses against direct computations on small
tensors; hard negatives never the positive nor a same-image caption."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmvision_plus.models.losses import (IGNORE_INDEX, ITCLoss, ITMLoss,
                                         LMLoss, MLMLoss,
                                         hard_negative_weights, itc_loss,
                                         itm_loss, lm_loss, mlm_loss,
                                         same_image_targets,
                                         sample_hard_negatives,
                                         sample_itm_negatives)
from mmvision_plus.registry import MODELS


def _log_softmax(row):
    peak = max(row)
    log_total = math.log(sum(math.exp(v - peak) for v in row)) + peak
    return [v - log_total for v in row]


def _ce(row, target):
    total = sum(target)
    return -sum(t / total * lp for t, lp in zip(target, _log_softmax(row)))


def _scores(queries, keys, temperature):
    return [[sum(a * b for a, b in zip(q, k)) / temperature for k in keys]
            for q in queries.tolist()]


def _direct_itc(img, txt, temperature, i2t_targets, t2i_targets,
                img_keys=None, txt_keys=None):
    img_keys = img if img_keys is None else img_keys
    txt_keys = txt if txt_keys is None else txt_keys
    i2t = [_ce(r, t) for r, t in zip(
        _scores(img, txt_keys.tolist(), temperature), i2t_targets)]
    t2i = [_ce(r, t) for r, t in zip(
        _scores(txt, img_keys.tolist(), temperature), t2i_targets)]
    return (sum(i2t) / len(i2t) + sum(t2i) / len(t2i)) / 2


@pytest.fixture
def feats():
    g = torch.Generator().manual_seed(0)
    img = F.normalize(torch.randn(4, 6, generator=g), dim=1)
    txt = F.normalize(torch.randn(4, 6, generator=g), dim=1)
    return img, txt


def test_itc_diagonal_targets(feats):
    img, txt = feats
    eye = torch.eye(4).tolist()
    expected = _direct_itc(img, txt, 0.07, eye, eye)
    assert float(itc_loss(img, txt, 0.07)) == pytest.approx(expected, 1e-5)
    module = MODELS.build(dict(type='ITCLoss', temperature=0.07))
    assert float(module(img, txt)) == pytest.approx(expected, 1e-5)
    # a learnable temperature passed at call time wins and gets a gradient
    temp = torch.tensor(0.2, requires_grad=True)
    loss = module(img, txt, temperature=temp)
    assert float(loss) == pytest.approx(_direct_itc(img, txt, 0.2, eye, eye),
                                        1e-5)
    loss.backward()
    assert temp.grad is not None and float(temp.grad) != 0


def test_itc_same_image_positives_and_soft_targets(feats):
    img, txt = feats
    ids = torch.tensor([3, 3, 5, 7])
    match = same_image_targets(ids, ids)
    expected = _direct_itc(img, txt, 0.1, match.tolist(), match.tolist())
    assert float(ITCLoss(0.1)(img, txt, labels=ids)) == pytest.approx(
        expected, 1e-5)
    soft = torch.rand(4, 4, generator=torch.Generator().manual_seed(1))
    expected = _direct_itc(img, txt, 0.1, soft.tolist(), soft.t().tolist())
    assert float(itc_loss(img, txt, 0.1, soft)) == pytest.approx(expected,
                                                                 1e-5)


def test_itc_with_queue_keys(feats):
    img, txt = feats
    g = torch.Generator().manual_seed(2)
    img_keys = F.normalize(torch.randn(9, 6, generator=g), dim=1)
    txt_keys = F.normalize(torch.randn(7, 6, generator=g), dim=1)
    i2t_t = torch.rand(4, 7, generator=g)
    t2i_t = torch.rand(4, 9, generator=g)
    expected = _direct_itc(img, txt, 0.07, i2t_t.tolist(), t2i_t.tolist(),
                           img_keys, txt_keys)
    got = itc_loss(img, txt, 0.07, (i2t_t, t2i_t), img_keys, txt_keys)
    assert float(got) == pytest.approx(expected, 1e-5)
    got = ITCLoss()(img, txt, soft_targets=(i2t_t, t2i_t),
                    image_keys=img_keys, text_keys=txt_keys)
    assert float(got) == pytest.approx(expected, 1e-5)
    with pytest.raises(ValueError, match='soft_targets'):
        itc_loss(img, txt, 0.07, None, img_keys, txt_keys)
    with pytest.raises(ValueError, match='no positive mass'):
        itc_loss(img, txt, 0.07, torch.zeros(4, 4))


def test_itc_reduction_none_is_per_pair(feats):
    img, txt = feats
    per_pair = ITCLoss(reduction='none')(img, txt)
    assert per_pair.shape == (4,)
    assert float(per_pair.mean()) == pytest.approx(float(itc_loss(img, txt,
                                                                  0.07)))


def test_hard_negatives_never_positive_nor_same_image():
    g = torch.Generator().manual_seed(0)
    ids = torch.tensor([0, 0, 1, 2, 2, 3])
    # make the same-image keys by far the most similar: sampling must still
    # avoid them
    logits = torch.randn(6, 6, generator=g)
    same = ids[:, None] == ids[None]
    logits[same] += 50.0
    weights = hard_negative_weights(logits, ids, ids)
    assert bool((weights[same] == 0).all())
    for _ in range(200):
        neg = sample_hard_negatives(logits, ids, ids, generator=g)
        assert bool((ids[neg] != ids).all())
    neg_img, neg_txt = sample_itm_negatives(logits, logits.t(), ids, g)
    assert bool((ids[neg_img] != ids).all())
    assert bool((ids[neg_txt] != ids).all())
    # the distribution follows the softmax of the others
    logits = torch.tensor([[0.0, 2.0, 0.0], [0.0, 0.0, 0.0],
                           [0.0, 0.0, 0.0]])
    w = hard_negative_weights(logits, torch.arange(3), torch.arange(3))
    e = math.exp(2.0)
    assert w[0].tolist() == pytest.approx([0, e / (e + 2), 1 / (e + 2)])


def test_hard_negatives_need_two_images():
    ids = torch.tensor([4, 4, 4])
    with pytest.raises(ValueError, match='two distinct images'):
        sample_hard_negatives(torch.zeros(3, 3), ids, ids)


def test_itm_loss():
    logits = torch.tensor([[0.1, 2.0], [1.5, -0.5], [0.3, 0.2]])
    labels = torch.tensor([1, 0, 1])
    expected = sum(-_log_softmax(r)[y] for r, y in zip(
        logits.tolist(), labels.tolist())) / 3
    assert float(itm_loss(logits, labels)) == pytest.approx(expected, 1e-6)
    assert float(ITMLoss(loss_weight=2.0)(logits, labels)) == pytest.approx(
        2 * expected, 1e-6)
    with pytest.raises(ValueError, match='ITMLoss'):
        ITMLoss()(logits[:, :1], labels)


def test_mlm_loss_with_distillation():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 5, generator=g)
    labels = torch.full((2, 4), IGNORE_INDEX)
    labels[0, 1], labels[1, 3], labels[1, 0] = 2, 4, 0
    soft = F.softmax(torch.randn(2, 4, 5, generator=g), dim=-1)
    alpha = 0.4
    terms = []
    for b in range(2):
        for t in range(4):
            if labels[b, t] == IGNORE_INDEX:
                continue
            lp = _log_softmax(logits[b, t].tolist())
            hard = -lp[int(labels[b, t])]
            dist = -sum(s * v for s, v in zip(soft[b, t].tolist(), lp))
            terms.append((1 - alpha) * hard + alpha * dist)
    expected = sum(terms) / len(terms)
    assert float(mlm_loss(logits, labels, soft, alpha)) == pytest.approx(
        expected, 1e-5)
    assert float(MLMLoss()(logits, labels, soft, alpha)) == pytest.approx(
        expected, 1e-5)
    # nothing masked: zero, still differentiable
    logits.requires_grad_(True)
    empty = mlm_loss(logits, torch.full((2, 4), IGNORE_INDEX))
    assert float(empty) == 0
    empty.backward()


def test_lm_loss_shifted_with_label_smoothing():
    g = torch.Generator().manual_seed(0)
    V = 6
    logits = torch.randn(2, 5, V, generator=g)
    labels = torch.tensor([[1, 3, 2, 5, IGNORE_INDEX],
                           [1, 4, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX]])
    eps = 0.1
    terms = []
    for b in range(2):
        for t in range(4):  # logits[t] predicts labels[t + 1]
            y = int(labels[b, t + 1])
            if y == IGNORE_INDEX:
                continue
            lp = _log_softmax(logits[b, t].tolist())
            terms.append(-(1 - eps) * lp[y] - eps / V * sum(lp))
    expected = sum(terms) / len(terms)
    assert float(lm_loss(logits, labels)) == pytest.approx(expected, 1e-5)
    module = MODELS.build(dict(type='LMLoss'))
    assert float(module(logits, labels)) == pytest.approx(expected, 1e-5)
    per_token = LMLoss(reduction='none')(logits, labels)
    assert per_token.shape == (2, 4)
    assert float(per_token[1, 1:].abs().sum()) == 0
