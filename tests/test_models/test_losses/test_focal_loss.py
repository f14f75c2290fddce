"""Tests of our ExtendedFocalLoss against torchvision, mmdet and direct
formulas."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmdet.models.losses import FocalLoss as MMDetFocalLoss
from mmdet.models.losses.gfocal_loss import quality_focal_loss_tensor_target
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.registry import DefaultScope

from mmvision_plus.models.losses import ExtendedFocalLoss
from mmvision_plus.registry import MODELS

N, C = 64, 7


def close(a, b, rtol=1e-6):
    torch.testing.assert_close(a, b, rtol=rtol, atol=1e-7)


@pytest.fixture
def logits():
    torch.manual_seed(0)
    return torch.randn(N, C) * 3


@pytest.fixture
def labels():
    torch.manual_seed(1)
    return torch.randint(0, C + 1, (N, ))  # C is background


# ------------------------------------------------------------ torchvision --
@pytest.mark.parametrize('reduction', ['none', 'mean', 'sum'])
@pytest.mark.parametrize('gamma, alpha', [(2.0, 0.25), (0.0, 0.5), (1.5, 0.9)])
def test_equals_torchvision(logits, labels, reduction, gamma, alpha):
    from torchvision.ops import sigmoid_focal_loss as tv_focal
    onehot = F.one_hot(labels, C + 1)[:, :C].float()
    x_ours = logits.clone().requires_grad_(True)
    x_tv = logits.clone().requires_grad_(True)
    loss = ExtendedFocalLoss(gamma=gamma, alpha=alpha, reduction=reduction)
    ours = loss(x_ours, labels)
    ref = tv_focal(x_tv, onehot, alpha=alpha, gamma=gamma,
                   reduction=reduction)
    close(ours, ref)
    ours.sum().backward()
    ref.sum().backward()
    close(x_ours.grad, x_tv.grad, rtol=1e-5)
    # one-hot float targets give the same as integer labels
    close(loss(logits, onehot), ref)


# ------------------------------------------------------------------ mmdet --
def weights_of_every_shape():
    torch.manual_seed(2)
    return [None, torch.rand(N), torch.rand(N, C), torch.rand(N * C)]


@pytest.mark.parametrize('weight', weights_of_every_shape())
# avg_factor with 'sum' raises in both (checked below)
@pytest.mark.parametrize('reduction, avg_factor', [('none', None),
                                                   ('mean', None),
                                                   ('sum', None),
                                                   ('none', 13.0),
                                                   ('mean', 13.0)])
@pytest.mark.parametrize('activated', [False, True])
def test_equals_mmdet_cpu_path(logits, labels, weight, reduction, avg_factor,
                               activated):
    pred = logits.sigmoid() if activated else logits
    kwargs = dict(gamma=2.0, alpha=0.25, loss_weight=1.7, activated=activated)
    theirs = MMDetFocalLoss(**kwargs)
    ours = ExtendedFocalLoss(**kwargs)
    args = (weight, avg_factor, reduction)
    if activated:  # mmdet's prob path needs one-hot targets of pred's dtype
        target = F.one_hot(labels, C + 1)[:, :C].float()
    else:
        target = labels
    x_ours = pred.clone().requires_grad_(True)
    x_theirs = pred.clone().requires_grad_(True)
    out = ours(x_ours, target, *args)
    ref = theirs(x_theirs, target, *args)
    close(out, ref)
    out.sum().backward()
    ref.sum().backward()
    close(x_ours.grad, x_theirs.grad, rtol=1e-5)


def test_avg_factor_with_sum_raises_like_mmdet(logits, labels):
    with pytest.raises(ValueError, match='avg_factor'):
        ExtendedFocalLoss()(logits, labels, avg_factor=3.0,
                            reduction_override='sum')


# --------------------------------------------------------------- softmax --
def direct_softmax_focal(logits, labels, gamma, alpha):
    """Loop over samples: -alpha_y (1 - p_y)^gamma log p_y."""
    out = []
    for row, y in zip(logits.tolist(), labels.tolist()):
        denom = sum(math.exp(v) for v in row)
        p_y = math.exp(row[y]) / denom
        a = alpha[y] if isinstance(alpha, list) else alpha
        out.append(-a * (1 - p_y)**gamma * math.log(p_y))
    return torch.tensor(out)


@pytest.mark.parametrize('alpha', [0.25, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7,
                                          0.8]])
def test_softmax_form_matches_direct_formula(logits, labels, alpha):
    logits8 = torch.cat([logits, torch.randn(N, 1)], 1)  # C + 1 classes
    loss = ExtendedFocalLoss(use_sigmoid=False, gamma=2.0, alpha=alpha,
                     reduction='none')
    out = loss(logits8, labels)
    assert out.shape == (N, )
    close(out, direct_softmax_focal(logits8, labels, 2.0, alpha), rtol=1e-5)
    # activated: probabilities in, same numbers
    act = ExtendedFocalLoss(use_sigmoid=False, gamma=2.0, alpha=alpha,
                    reduction='none', activated=True)
    close(act(logits8.softmax(1), labels), out, rtol=1e-5)
    # soft target equal to the one-hot distribution gives the same loss
    close(loss(logits8, F.one_hot(labels, C + 1).float()), out, rtol=1e-5)


def test_softmax_soft_targets_direct_formula(logits):
    torch.manual_seed(3)
    target = torch.rand(N, C).softmax(1)
    out = ExtendedFocalLoss(use_sigmoid=False, gamma=1.5, alpha=None,
                    reduction='none')(logits, target)
    p = logits.double().softmax(1)
    ref = -(target.double() * (1 - p)**1.5 * p.log()).sum(1)
    close(out, ref.float(), rtol=1e-5)


def test_softmax_gamma_zero_is_cross_entropy(logits, labels):
    logits8 = torch.cat([logits, torch.randn(N, 1)], 1)
    out = ExtendedFocalLoss(use_sigmoid=False, gamma=0.0,
                            alpha=None)(logits8, labels)
    close(out, F.cross_entropy(logits8, labels))


# ------------------------------------------------------ per-class alpha ---
def test_per_class_alpha_by_hand():
    # two samples, three classes, logits 0 -> p = 0.5 everywhere
    logits = torch.zeros(2, 3)
    labels = torch.tensor([1, 3])  # class 1; background
    alpha = [0.1, 0.6, 0.3]
    out = ExtendedFocalLoss(alpha=alpha, gamma=2.0,
                            reduction='none')(logits, labels)
    base = 0.25 * math.log(2)  # (1 - 0.5)^2 * -log(0.5)
    expected = torch.tensor([
        [(1 - 0.1) * base, 0.6 * base, (1 - 0.3) * base],
        [(1 - 0.1) * base, (1 - 0.6) * base, (1 - 0.3) * base],
    ])
    close(out, expected)
    # a non-trivial logit: class 2 positive with x = 2
    logits = torch.tensor([[0.0, 0.0, 2.0]])
    out = ExtendedFocalLoss(alpha=alpha,
                            reduction='none')(logits, torch.tensor([2]))
    p = 1 / (1 + math.exp(-2))
    assert float(out[0, 2]) == pytest.approx(
        0.3 * (1 - p)**2 * -math.log(p), rel=1e-6)


def test_per_class_alpha_equals_scalar_when_constant(logits, labels):
    close(ExtendedFocalLoss(alpha=[0.25] * C)(logits, labels),
          ExtendedFocalLoss(alpha=0.25)(logits, labels))


# ---------------------------------------------------------- soft targets --
def test_soft_targets_are_quality_focal_loss(logits):
    torch.manual_seed(4)
    target = torch.rand(N, C) * (torch.rand(N, C) > 0.7)
    out = ExtendedFocalLoss(alpha=None, gamma=2.0,
                            reduction='none')(logits, target)
    ref = quality_focal_loss_tensor_target(
        logits, target, beta=2.0, reduction='none')
    close(out.sum(1), ref, rtol=1e-5)
    # with alpha, the per-element alpha_t = alpha t + (1 - alpha)(1 - t)
    out_a = ExtendedFocalLoss(alpha=0.25, reduction='none')(logits, target)
    close(out_a, out * (0.25 * target + 0.75 * (1 - target)))


# ----------------------------------------------------------------- ignore --
@pytest.mark.parametrize('use_sigmoid', [True, False])
def test_ignore_label(logits, labels, use_sigmoid):
    labels = labels.clone()
    if not use_sigmoid:
        labels = labels.clamp(max=C - 1)
    ignored = torch.zeros(N, dtype=torch.bool)
    ignored[::5] = True
    labels[ignored] = -1
    loss = ExtendedFocalLoss(use_sigmoid=use_sigmoid, ignore_index=-1)
    kept = ExtendedFocalLoss(use_sigmoid=use_sigmoid)
    close(loss(logits, labels), kept(logits[~ignored], labels[~ignored]))
    close(loss(logits, labels, reduction_override='sum'),
          kept(logits[~ignored], labels[~ignored], reduction_override='sum'))
    none = loss(logits, labels, reduction_override='none')
    assert (none[ignored] == 0).all()
    logits_g = logits.clone().requires_grad_(True)
    loss(logits_g, labels).backward()
    assert (logits_g.grad[ignored] == 0).all()


# ------------------------------------------------------- errors / dtypes --
def test_bad_input_raises(logits, labels):
    with pytest.raises(ValueError, match=r'labels must be in \[0, 7\]'):
        ExtendedFocalLoss()(logits, torch.full((N, ), C + 1))
    with pytest.raises(ValueError, match='ignore_index=-1'):
        ExtendedFocalLoss(ignore_index=-1)(logits, torch.full((N, ), -2))
    with pytest.raises(ValueError, match=r'in \[0, 1\]'):
        ExtendedFocalLoss()(logits, torch.full((N, C), 1.5))
    with pytest.raises(ValueError, match=r'in \[0, 1\]'):
        ExtendedFocalLoss()(logits, torch.full((N, C), float('nan')))
    with pytest.raises(ValueError, match='shape of pred'):
        ExtendedFocalLoss()(logits, torch.zeros(N, C + 1))
    with pytest.raises(ValueError, match='3 per-class alpha'):
        ExtendedFocalLoss(alpha=[0.1, 0.2, 0.3])(logits, labels)
    with pytest.raises(ValueError, match='alpha'):
        ExtendedFocalLoss(alpha=[0.1, 1.2])
    with pytest.raises(ValueError, match='weight of shape'):
        ExtendedFocalLoss()(logits, labels, weight=torch.ones(N + 1))
    with pytest.raises(ValueError, match='gamma'):
        ExtendedFocalLoss(gamma=-1)


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_half_precision_and_autocast(logits, labels, dtype):
    x = logits.to(dtype).requires_grad_(True)
    with torch.autocast('cpu', dtype=dtype):
        out = ExtendedFocalLoss(alpha=[0.3] * C)(x, labels)
    assert out.dtype == torch.float32 and torch.isfinite(out)
    close(out, ExtendedFocalLoss(alpha=0.3)(x.detach().float(), labels))
    out.backward()
    assert x.grad.dtype == dtype and torch.isfinite(x.grad).all()


def test_extreme_logits_are_finite(labels):
    x = torch.tensor([[-200.0, 200.0, 0.0]] * 4, requires_grad=True)
    target = torch.tensor([0, 1, 2, 3])
    for loss in (ExtendedFocalLoss(), ExtendedFocalLoss(use_sigmoid=False)):
        out = loss(x, target.clamp(max=2))
        out.backward()
        assert torch.isfinite(out) and torch.isfinite(x.grad).all()
        x.grad = None


def test_alpha_buffer_follows_module_dtype_and_is_not_saved():
    loss = ExtendedFocalLoss(alpha=[0.1, 0.9])
    assert 'class_alpha' not in loss.state_dict()
    assert loss.alpha == [0.1, 0.9]


# --------------------------------------------------------------- registry --
def test_registry_resolution():
    """``ExtendedFocalLoss`` is ours; ``FocalLoss`` is mmdet's in every scope
    (ours does not shadow it), also through mmdet's registry, which mmdet's
    heads build their losses with."""
    import mmvision_plus.models.losses.focal_loss as ours_module
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        assert type(MODELS.build(dict(type='ExtendedFocalLoss'))) is \
            ExtendedFocalLoss
        assert type(MMDET_MODELS.build(dict(type='ExtendedFocalLoss'))) is \
            ExtendedFocalLoss
        for name in ('FocalLoss', 'mmdet.FocalLoss'):
            assert type(MODELS.build(dict(type=name))) is MMDetFocalLoss
            assert type(MMDET_MODELS.build(dict(type=name))) is \
                MMDetFocalLoss
    assert 'FocalLoss' not in MODELS.module_dict
    assert ExtendedFocalLoss.__module__ == ours_module.__name__
    assert MMDET_MODELS.get('FocalLoss') is MMDetFocalLoss
