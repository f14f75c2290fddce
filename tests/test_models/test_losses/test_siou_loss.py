"""Tests of the SIoU loss against the paper's formula."""
import math

import numpy as np
import pytest
import torch

from mmvision_plus.models.losses import (PaperSIoULoss, siou_cost_terms,
                                         siou_loss)


# --------------------------------------------------------------------------
# Independent reference: scalar float64 code following the paper's text
# literally (arcsin, sin^2, explicit loops). It shares nothing with the
# implementation except the conventions documented there for undefined
# cases (angle 0 at coincident centres, eps guards on divisions).
# --------------------------------------------------------------------------
def reference_terms(box, gt, theta=4.0, eps=1e-7):
    x1, y1, x2, y2 = map(float, box)
    g1, h1_, g2, h2_ = map(float, gt)
    w, h = x2 - x1, y2 - y1
    wg, hg = g2 - g1, h2_ - h1_
    iw = max(0.0, min(x2, g2) - max(x1, g1))
    ih = max(0.0, min(y2, h2_) - max(y1, h1_))
    inter = iw * ih
    union = w * h + wg * hg - inter
    iou = inter / max(union, eps)

    bx, by = (x1 + x2) / 2, (y1 + y2) / 2
    gx, gy = (g1 + g2) / 2, (h1_ + h2_) / 2
    sigma = math.hypot(gx - bx, gy - by)
    if sigma == 0:
        angle = 0.0
    else:
        sin_alpha = abs(gy - by) / sigma
        angle = 1 - 2 * math.sin(math.asin(sin_alpha) - math.pi / 4)**2

    cw = max(max(x2, g2) - min(x1, g1), eps)
    ch = max(max(y2, h2_) - min(y1, h1_), eps)
    gamma = 2 - angle
    distance = 0.0
    for rho in (((gx - bx) / cw)**2, ((gy - by) / ch)**2):
        distance += 1 - math.exp(-gamma * rho)

    shape = 0.0
    for a, b in ((w, wg), (h, hg)):
        omega = abs(a - b) / max(a, b, eps)
        shape += (1 - math.exp(-omega))**theta
    loss = 1 - iou + (distance + shape) / 2
    return dict(
        iou=iou,
        angle_cost=angle,
        distance_cost=distance,
        shape_cost=shape,
        loss=loss)


def reference_loss(pred, target, theta=4.0, eps=1e-7):
    return np.array([
        reference_terms(p, t, theta, eps)['loss']
        for p, t in zip(pred.tolist(), target.tolist())
    ])


def random_boxes(num, rng, low=0.0, high=100.0, min_size=0.0, max_size=50.0):
    xy = rng.uniform(low, high, size=(num, 2))
    wh = rng.uniform(min_size, max_size, size=(num, 2))
    return np.concatenate([xy, xy + wh], axis=1)


def box_pair_zoo(seed=0):
    """Thousands of pairs: ordinary, tiny, huge, degenerate, identical,
    coincident centres, far apart."""
    rng = np.random.default_rng(seed)
    preds, targets = [], []

    def add(p, t):
        preds.append(p)
        targets.append(t)

    add(random_boxes(2000, rng), random_boxes(2000, rng))
    add(random_boxes(500, rng, 0, 1e-3, 0, 1e-3),
        random_boxes(500, rng, 0, 1e-3, 0, 1e-3))  # tiny
    add(random_boxes(500, rng, 0, 1e6, 0, 1e5),
        random_boxes(500, rng, 0, 1e6, 0, 1e5))  # huge
    degenerate = random_boxes(500, rng)
    degenerate[:250, 2] = degenerate[:250, 0]  # zero width
    degenerate[250:, 3] = degenerate[250:, 1]  # zero height
    add(degenerate, random_boxes(500, rng))
    point = random_boxes(100, rng, max_size=0.0)  # zero-size both
    add(point, point.copy())
    same = random_boxes(500, rng)
    add(same, same.copy())  # identical
    centred = random_boxes(500, rng)
    centre = (centred[:, :2] + centred[:, 2:]) / 2
    half = rng.uniform(0, 30, size=(500, 2))
    add(centred, np.concatenate([centre - half, centre + half], 1))
    near = random_boxes(500, rng)  # small offsets around the target
    jittered = near + rng.normal(0, 1, size=near.shape)
    jittered[:, 2:] = np.maximum(jittered[:, 2:], jittered[:, :2])
    add(jittered, near)
    far = random_boxes(300, rng)
    add(far, far + 1e7)  # far apart
    return np.concatenate(preds), np.concatenate(targets)


# ------------------------------------------------------------ hand cases --
def terms_of(pred, target, **kwargs):
    out = siou_cost_terms(
        torch.tensor([pred], dtype=torch.float64),
        torch.tensor([target], dtype=torch.float64), **kwargs)
    return {k: float(v[0]) for k, v in out.items()}


def test_horizontal_offset_has_zero_angle_cost():
    # centres (1, 1) and (5, 1): dx=4, dy=0; enclosing box 6 x 2
    terms = terms_of([0, 0, 2, 2], [4, 0, 6, 2])
    assert terms['angle_cost'] == 0
    assert terms['iou'] == 0
    assert terms['shape_cost'] == 0
    # gamma = 2 - 0, rho_x = (4/6)^2, rho_y = 0
    assert terms['distance_cost'] == pytest.approx(1 - math.exp(-2 * 4 / 9),
                                                   rel=1e-12)
    loss = siou_loss(
        torch.tensor([[0., 0, 2, 2]]), torch.tensor([[4., 0, 6, 2]]))
    assert float(loss) == pytest.approx(1 + 0.5 * (1 - math.exp(-8 / 9)),
                                        rel=1e-6)


def test_vertical_offset_has_zero_angle_cost():
    assert terms_of([0, 0, 2, 2], [0, 7, 2, 9])['angle_cost'] == 0


def test_45_degree_offset_has_angle_cost_one():
    # centres (1, 1) and (4, 4): dx=dy=3, enclosing 5 x 5
    terms = terms_of([0, 0, 2, 2], [3, 3, 5, 5])
    assert terms['angle_cost'] == pytest.approx(1, abs=1e-12)
    # gamma = 1, rho_x = rho_y = 9/25
    assert terms['distance_cost'] == pytest.approx(
        2 * (1 - math.exp(-9 / 25)), rel=1e-12)
    assert terms['shape_cost'] == 0


def test_30_degree_offset_angle_cost_is_sin_60():
    terms = terms_of([0, 0, 2, 2], [math.sqrt(3), 1, 2 + math.sqrt(3), 3])
    assert terms['angle_cost'] == pytest.approx(math.sqrt(3) / 2, rel=1e-12)
    # gamma = 2 - sin 60, enclosing (2 + sqrt 3) x 3
    gamma = 2 - math.sqrt(3) / 2
    expected = (1 - math.exp(-gamma * (math.sqrt(3) /
                                       (2 + math.sqrt(3)))**2) +
                1 - math.exp(-gamma / 9))
    assert terms['distance_cost'] == pytest.approx(expected, rel=1e-12)


def test_same_centre_different_shape_only_shape_cost():
    # both centred at (2, 1); 4 x 2 vs 2 x 4
    terms = terms_of([0, 0, 4, 2], [1, -1, 3, 3])
    assert terms['angle_cost'] == 0
    assert terms['distance_cost'] == 0
    assert terms['iou'] == pytest.approx(4 / 12, rel=1e-12)
    # omega_w = omega_h = 2 / 4
    assert terms['shape_cost'] == pytest.approx(
        2 * (1 - math.exp(-0.5))**4, rel=1e-12)
    theta6 = terms_of([0, 0, 4, 2], [1, -1, 3, 3], theta=6.0)
    assert theta6['shape_cost'] == pytest.approx(
        2 * (1 - math.exp(-0.5))**6, rel=1e-12)


def test_xywh_format_matches_xyxy():
    rng = np.random.default_rng(1)
    pred = torch.from_numpy(random_boxes(100, rng))
    target = torch.from_numpy(random_boxes(100, rng))

    def to_xywh(b):
        return torch.cat([(b[:, :2] + b[:, 2:]) / 2, b[:, 2:] - b[:, :2]], 1)

    torch.testing.assert_close(
        siou_loss(to_xywh(pred), to_xywh(target), box_format='xywh'),
        siou_loss(pred, target), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------- reference ------
def test_agrees_with_independent_float64_reference():
    pred, target = box_pair_zoo()
    assert len(pred) > 5000
    ours = siou_loss(torch.from_numpy(pred), torch.from_numpy(target))
    assert ours.dtype == torch.float64
    ref = reference_loss(pred, target)
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-9, atol=1e-12)
    # the four terms separately, on a subset
    terms = siou_cost_terms(
        torch.from_numpy(pred[::10]), torch.from_numpy(target[::10]))
    for i, (p, t) in enumerate(zip(pred[::10], target[::10])):
        r = reference_terms(p, t)
        for key in ('iou', 'angle_cost', 'distance_cost', 'shape_cost'):
            assert float(terms[key][i]) == pytest.approx(
                r[key], rel=1e-9, abs=1e-12), (key, p, t)


def test_float32_close_to_reference_on_ordinary_boxes():
    rng = np.random.default_rng(2)
    pred, target = random_boxes(3000, rng), random_boxes(3000, rng)
    ours = siou_loss(torch.from_numpy(pred).float(),
                     torch.from_numpy(target).float())
    assert ours.dtype == torch.float32
    np.testing.assert_allclose(
        ours.numpy(), reference_loss(pred, target), rtol=1e-4, atol=1e-5)


def test_theta_is_used():
    rng = np.random.default_rng(3)
    pred, target = random_boxes(200, rng), random_boxes(200, rng)
    ours = siou_loss(torch.from_numpy(pred), torch.from_numpy(target),
                     theta=2.0)
    np.testing.assert_allclose(
        ours.numpy(), reference_loss(pred, target, theta=2.0), rtol=1e-9)


# ------------------------------------------------- sign-error regression --
def test_not_the_exp_plus_gamma_variant():
    """The widely copied snippet uses exp(+gamma * rho): the distance term
    then turns negative and rewards distance. We must not compute that."""
    pred = torch.tensor([[0., 0, 2, 2], [0, 0, 2, 2]], dtype=torch.float64)
    target = torch.tensor([[4., 0, 6, 2], [3, 3, 5, 5]], dtype=torch.float64)
    terms = siou_cost_terms(pred, target)
    gamma = 2 - terms['angle_cost']
    offset = (target[:, :2] + target[:, 2:] - pred[:, :2] - pred[:, 2:]) / 2
    enclose = (torch.maximum(pred[:, 2:], target[:, 2:]) -
               torch.minimum(pred[:, :2], target[:, :2]))
    rho = (offset / enclose)**2
    wrong_distance = (1 - torch.exp(gamma[:, None] * rho)).sum(1)
    assert (wrong_distance < 0).all()
    assert (terms['distance_cost'] > 0).all()
    wrong_loss = 1 - terms['iou'] + 0.5 * (
        wrong_distance + terms['shape_cost'])
    ours = siou_loss(pred, target)
    assert (ours - wrong_loss > 0.1).all()
    # moving the prediction further away must increase our loss
    farther = pred - torch.tensor([1., 0, 1, 0], dtype=torch.float64)
    assert (siou_loss(farther, target) > ours).all()


def test_matches_mmdet_neg_gamma_and_differs_from_its_default():
    from mmdet.models.losses import SIoULoss as MMDetSIoULoss
    rng = np.random.default_rng(4)
    # overlapping, non-degenerate boxes: mmdet's clamp of SIoU to [-1, 1] is
    # inactive there, and its eps shifts (added to dx, dy, h, union) are
    # ~eps / size.
    target = random_boxes(2000, rng, min_size=5, max_size=50)
    pred = target + rng.uniform(-4, 4, size=target.shape)
    pred[:, 2:] = np.maximum(pred[:, 2:], pred[:, :2] + 1)
    pred_t, target_t = torch.from_numpy(pred), torch.from_numpy(target)
    ours = siou_loss(pred_t, target_t)
    paper = MMDetSIoULoss(eps=1e-12, neg_gamma=True, reduction='none')
    assert torch.all(ours < 2)
    torch.testing.assert_close(
        paper(pred_t, target_t), ours, rtol=1e-8, atol=1e-8)
    default = MMDetSIoULoss(eps=1e-12, reduction='none')  # neg_gamma=False
    assert (ours - default(pred_t, target_t)).abs().max() > 1e-2


# ------------------------------------------------------------ gradients --
@pytest.mark.parametrize('box_format', ['xyxy', 'xywh'])
def test_gradcheck_float64(box_format):
    rng = np.random.default_rng(5)
    pred = random_boxes(12, rng, min_size=1)
    target = random_boxes(12, rng, min_size=1)
    if box_format == 'xywh':
        pred = np.concatenate([(pred[:, :2] + pred[:, 2:]) / 2,
                               pred[:, 2:] - pred[:, :2]], 1)
        target = np.concatenate([(target[:, :2] + target[:, 2:]) / 2,
                                 target[:, 2:] - target[:, :2]], 1)
    pred_t = torch.tensor(pred, requires_grad=True)
    target_t = torch.tensor(target, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda p, t: siou_loss(p, t, box_format=box_format),
        (pred_t, target_t))


def _edge_pairs(dtype):
    pred = torch.tensor(
        [
            [0, 0, 10, 10],  # identical
            [0, 0, 10, 10],  # coincident centres, other shape
            [5, 0, 5, 10],  # zero width
            [5, 5, 5, 5],  # point vs point at the same place
            [0, 0, 1, 1],  # far apart
            [0, 0, 1e-3, 1e-3],  # tiny
        ],
        dtype=dtype)
    target = torch.tensor(
        [
            [0, 0, 10, 10],
            [2, -3, 8, 13],
            [5, 0, 5, 10],
            [5, 5, 5, 5],
            [1e4, 1e4, 1e4 + 1, 1e4 + 1],
            [2e-3, 0, 3e-3, 1e-3],
        ],
        dtype=dtype)
    return pred, target


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_properties_and_finite_gradients(dtype):
    pred, target = _edge_pairs(dtype)
    pred.requires_grad_(True)
    target.requires_grad_(True)
    loss = siou_loss(pred, target)
    assert loss.dtype == dtype
    assert float(loss[0]) == 0
    assert (loss >= 0).all()
    assert torch.isfinite(loss).all()
    loss.sum().backward()
    assert torch.isfinite(pred.grad).all()
    assert torch.isfinite(target.grad).all()
    assert (pred.grad[0] == 0).all()  # minimum: zero gradient

    zoo_pred, zoo_target = box_pair_zoo(seed=7)
    zoo_pred = torch.tensor(zoo_pred, dtype=dtype, requires_grad=True)
    zoo_loss = siou_loss(zoo_pred, torch.tensor(zoo_target, dtype=dtype))
    assert (zoo_loss >= 0).all() and torch.isfinite(zoo_loss).all()
    zoo_loss.sum().backward()
    assert torch.isfinite(zoo_pred.grad).all()


def test_identical_boxes_give_zero():
    rng = np.random.default_rng(8)
    boxes = torch.from_numpy(random_boxes(1000, rng, min_size=1e-2))
    for dtype in (torch.float32, torch.float64):
        assert (siou_loss(boxes.to(dtype), boxes.to(dtype)) == 0).all()


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_half_precision_inputs_and_autocast(dtype):
    pred, target = _edge_pairs(torch.float32)
    # far-apart pair does not fit fp16; scale it down
    pred, target = pred[:4], target[:4]
    rng = np.random.default_rng(9)
    pred = torch.cat([pred, torch.from_numpy(random_boxes(50, rng)).float()])
    target = torch.cat(
        [target, torch.from_numpy(random_boxes(50, rng)).float()])
    pred_h = pred.to(dtype).requires_grad_(True)
    with torch.autocast('cpu', dtype=dtype):
        loss = siou_loss(pred_h, target.to(dtype))
    assert loss.dtype == torch.float32
    assert torch.isfinite(loss).all() and (loss >= 0).all()
    assert float(loss[0]) == 0
    loss.sum().backward()
    assert pred_h.grad.dtype == dtype
    assert torch.isfinite(pred_h.grad).all()
    # the same numbers as float32 on the (rounded) inputs
    torch.testing.assert_close(
        loss, siou_loss(pred_h.detach().float(), target.to(dtype).float()))


def test_autocast_with_a_conv_producing_bf16_boxes():
    conv = torch.nn.Conv2d(1, 4, 1)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = conv(torch.rand(1, 1, 3, 3)).flatten(2)[0].T.abs()  # (9, 4)
        assert out.dtype == torch.bfloat16
        boxes = torch.cat([out[:, :2], out[:, :2] + out[:, 2:]], 1)
        loss = PaperSIoULoss()(boxes, boxes.detach() + 0.1)
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in conv.parameters())


# ---------------------------------------------------------- bad input -----
@pytest.mark.parametrize('pred, target, match', [
    (torch.zeros(3, 5), torch.zeros(3, 5), r'shape \(\.\.\., 4\)'),
    (torch.zeros(3, 4), torch.zeros(2, 4), 'shapes differ'),
    (torch.tensor([[0., 0, -1, 1]]), torch.tensor([[0., 0, 1, 1]]),
     r'pred has 1 box\(es\) with negative width'),
    (torch.tensor([[0., 0, 1, 1]] * 3),
     torch.tensor([[0., 0, 1, 1], [0, 0, float('nan'), 1],
                   [float('inf'), 0, 1, 1]]),
     r'target has 2 box\(es\) with non-finite'),
    (torch.zeros(2, 4, dtype=torch.long), torch.zeros(2, 4, dtype=torch.long),
     'floating point'),
])
def test_bad_input_raises(pred, target, match):
    with pytest.raises(ValueError, match=match):
        siou_loss(pred, target)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='box_format'):
        siou_loss(torch.zeros(1, 4), torch.zeros(1, 4), box_format='cxcy')
    with pytest.raises(ValueError, match='theta'):
        PaperSIoULoss(theta=0.5)
    with pytest.raises(ValueError, match='reduction'):
        PaperSIoULoss()(torch.zeros(1, 4), torch.zeros(1, 4),
                   reduction_override='max')
    with pytest.raises(ValueError, match='weight'):
        PaperSIoULoss()(torch.zeros(2, 4), torch.zeros(2, 4),
                   weight=torch.ones(3))


# ------------------------------------------------------- module API -------
def test_module_reductions_weights_and_avg_factor():
    rng = np.random.default_rng(10)
    pred = torch.from_numpy(random_boxes(20, rng)).float()
    target = torch.from_numpy(random_boxes(20, rng)).float()
    per_box = siou_loss(pred, target)
    weight = torch.rand(20)
    module = PaperSIoULoss(loss_weight=2.0)
    torch.testing.assert_close(module(pred, target), 2 * per_box.mean())
    torch.testing.assert_close(
        module(pred, target, reduction_override='sum'), 2 * per_box.sum())
    torch.testing.assert_close(
        module(pred, target, reduction_override='none'), 2 * per_box)
    torch.testing.assert_close(
        module(pred, target, weight=weight, avg_factor=7.0),
        2 * (per_box * weight).sum() / 7.0)
    weight4 = torch.rand(20, 4)
    torch.testing.assert_close(
        module(pred, target, weight=weight4),
        2 * (per_box * weight4.mean(1)).mean())
    with pytest.raises(ValueError, match='avg_factor'):
        module(pred, target, avg_factor=3.0, reduction_override='sum')


def test_module_empty_input_is_zero_with_graph():
    pred = torch.zeros(0, 4, requires_grad=True)
    loss = PaperSIoULoss()(pred, torch.zeros(0, 4))
    assert float(loss) == 0
    loss.backward()
    assert pred.grad.shape == (0, 4)


def test_registry_resolution():
    """``PaperSIoULoss`` is ours; ``SIoULoss`` stays mmdet's in our scope."""
    from mmdet.models.losses import SIoULoss as MMDetSIoULoss
    from mmdet.registry import MODELS as MMDET_MODELS
    from mmengine.registry import DefaultScope

    from mmvision_plus.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        assert type(MODELS.build(dict(type='PaperSIoULoss'))) is PaperSIoULoss
        assert type(MMDET_MODELS.build(dict(type='PaperSIoULoss'))) is \
            PaperSIoULoss
        assert type(MODELS.build(dict(type='SIoULoss'))) is MMDetSIoULoss
    assert 'SIoULoss' not in MODELS.module_dict
