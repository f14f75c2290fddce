"""DINOv2 functional losses against direct float64 computations."""
import math

import pytest
import torch

from mmvision_plus.models.losses import (centered_softmax, dino_cross_entropy,
                                         ema_center_update,
                                         ibot_masked_cross_entropy,
                                         koleo_loss, sinkhorn_knopp)


def sinkhorn_reference(logits, temp, n_iterations):
    """The official single-process algorithm, literally, in float64."""
    q = torch.exp(logits.double() / temp).t()
    k, b = q.shape
    q = q / q.sum()
    for _ in range(n_iterations):
        q = q / q.sum(dim=1, keepdim=True) / k
        q = q / q.sum(dim=0, keepdim=True) / b
    return (q * b).t()


@pytest.mark.parametrize('n_iterations', [1, 3])
def test_sinkhorn_matches_official_float64(n_iterations):
    torch.manual_seed(0)
    logits = torch.randn(12, 7)
    out = sinkhorn_knopp(logits, 0.07, n_iterations)
    ref = sinkhorn_reference(logits, 0.07, n_iterations)
    assert out.dtype == torch.float32 and out.shape == (12, 7)
    torch.testing.assert_close(out.double(), ref, rtol=1e-5, atol=1e-7)
    # the last normalisation is per sample: each target row sums to 1
    torch.testing.assert_close(out.sum(dim=1), torch.ones(12), atol=1e-6,
                               rtol=0)


def test_sinkhorn_prototype_marginals_converge():
    torch.manual_seed(1)
    logits = torch.randn(20, 5)
    few = sinkhorn_knopp(logits, 0.5, 1).sum(dim=0)
    many = sinkhorn_knopp(logits, 0.5, 60).sum(dim=0)
    # every prototype receives B / K of the total mass in the limit
    target = torch.full((5, ), 20 / 5)
    assert (many - target).abs().max() < 1e-4
    assert (few - target).abs().max() > 1e-3


def test_sinkhorn_large_scores_stay_finite():
    torch.manual_seed(2)
    # exp(logits / 0.04) ~ exp(125) overflows float32 without the shift
    logits = 5 + 0.5 * torch.randn(6, 9)
    assert not torch.isfinite(torch.exp(logits / 0.04)).all()
    out = sinkhorn_knopp(logits, 0.04, 3)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out.double(),
                               sinkhorn_reference(logits, 0.04, 3),
                               rtol=1e-4, atol=1e-6)


def test_sinkhorn_rejects_bad_input():
    with pytest.raises(ValueError, match='shape'):
        sinkhorn_knopp(torch.zeros(2, 3, 4), 0.1)
    with pytest.raises(ValueError, match='teacher_temp'):
        sinkhorn_knopp(torch.zeros(2, 3), 0.0)


def test_dino_cross_entropy_float64():
    torch.manual_seed(3)
    s = torch.randn(5, 11)
    t = torch.softmax(torch.randn(5, 11), dim=-1)
    ref = 0.0
    for i in range(5):
        logz = torch.logsumexp(s[i].double() / 0.1, dim=0)
        ref += -(t[i].double() * (s[i].double() / 0.1 - logz)).sum() / 5
    out = dino_cross_entropy(s, t, 0.1)
    assert abs(out.item() - ref.item()) < 1e-5
    with pytest.raises(ValueError, match='same shape'):
        dino_cross_entropy(s, t[:4])


def test_ibot_masked_cross_entropy_weights_per_image():
    torch.manual_seed(4)
    masks = torch.zeros(4, 6, dtype=torch.bool)
    masks[0, [1, 2, 5]] = True     # 3 masked patches
    masks[2, [0]] = True           # 1 masked patch; images 1, 3 unmasked
    m = int(masks.sum())
    s = torch.randn(m, 8)
    t = torch.softmax(torch.randn(m, 8), dim=-1)
    rows = masks.flatten().nonzero().flatten()
    ref = 0.0
    for j, flat in enumerate(rows.tolist()):
        image = flat // 6
        ce = -(t[j].double() *
               torch.log_softmax(s[j].double() / 0.1, dim=0)).sum()
        ref += ce / masks[image].sum().item()
    ref /= 4  # all images, masked or not
    out = ibot_masked_cross_entropy(s, t, masks, 0.1)
    assert abs(out.item() - ref.item()) < 1e-5
    with pytest.raises(ValueError, match='masked patches'):
        ibot_masked_cross_entropy(s[:-1], t[:-1], masks)


def test_ema_centering():
    torch.manual_seed(5)
    center = torch.randn(1, 6)
    logits = torch.randn(10, 6)
    new = ema_center_update(center, logits, 0.9)
    ref = center.double() * 0.9 + logits.double().mean(0, keepdim=True) * 0.1
    torch.testing.assert_close(new.double(), ref)
    probs = centered_softmax(logits, center, 0.04)
    ref_probs = torch.softmax((logits.double() - center.double()) / 0.04, -1)
    torch.testing.assert_close(probs.double(), ref_probs, rtol=1e-5,
                               atol=1e-7)


def koleo_reference(x, eps=1e-8):
    x = x.double()
    x = x / x.norm(dim=1, keepdim=True).clamp(min=eps)
    total = 0.0
    for i in range(len(x)):
        best = max((j for j in range(len(x)) if j != i),
                   key=lambda j: float(x[i] @ x[j]))
        d = (x[i] - x[best] + 1e-8).norm()
        total += -math.log(d.item() + eps)
    return total / len(x)


def test_koleo_float64_and_autocast():
    torch.manual_seed(6)
    feats = torch.randn(9, 16) * 3
    out = koleo_loss(feats)
    assert abs(out.item() - koleo_reference(feats)) < 1e-5
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out_bf16 = koleo_loss(feats)
    assert out_bf16.dtype == torch.float32
    assert abs(out_bf16.item() - out.item()) < 1e-6
    # the gradient pushes nearest neighbours apart (finite, non-zero)
    feats.requires_grad_(True)
    koleo_loss(feats).backward()
    assert torch.isfinite(feats.grad).all() and feats.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='B >= 2'):
        koleo_loss(torch.randn(1, 4))


def test_loss_modules_match_the_functional_forms():
    from mmvision_plus.registry import MODELS
    torch.manual_seed(7)
    s, t = torch.randn(6, 10), torch.softmax(torch.randn(6, 10), -1)
    dino = MODELS.build(dict(type='DINOLoss', out_dim=10, loss_weight=2.0))
    assert torch.allclose(dino(s, t), 2 * dino_cross_entropy(s, t, 0.1))
    masks = torch.zeros(3, 5, dtype=torch.bool)
    masks[0, :2] = True
    masks[2, 4] = True
    ibot = MODELS.build(dict(type='IBOTPatchLoss', out_dim=10))
    ref = ibot_masked_cross_entropy(s[:3], t[:3], masks, 0.1)
    assert torch.allclose(ibot(s[:3], t[:3], masks), ref, rtol=1e-6)
    with pytest.raises(ValueError, match='one True per'):
        ibot(s[:2], t[:2], masks)
    koleo = MODELS.build(dict(type='KoLeoLoss', loss_weight=0.1))
    assert torch.allclose(koleo(s), 0.1 * koleo_loss(s))
    with pytest.raises(ValueError, match='centering'):
        MODELS.build(dict(type='DINOLoss', out_dim=3, centering='nope'))


def test_loss_module_teacher_targets_both_centerings():
    from mmvision_plus.models.losses import DINOLoss, IBOTPatchLoss
    torch.manual_seed(8)
    logits = torch.randn(8, 5)
    sk = DINOLoss(out_dim=5)
    torch.testing.assert_close(sk.teacher_targets(logits, 0.05),
                               sinkhorn_knopp(logits, 0.05, 3))
    assert sk.center.abs().sum() == 0     # sinkhorn leaves the center
    ema = DINOLoss(out_dim=5, centering='centering')
    first = ema.teacher_targets(logits, 0.05)
    # the first batch is centred by the initial (zero) center ...
    torch.testing.assert_close(first, torch.softmax(logits / 0.05, -1))
    # ... and then moves the center by 0.1 of the batch mean
    torch.testing.assert_close(ema.center, 0.1 * logits.mean(0, keepdim=True))
    patch = IBOTPatchLoss(out_dim=5, centering='centering')
    patch.teacher_targets(logits, 0.05)
    torch.testing.assert_close(patch.center,
                               0.1 * logits.mean(0, keepdim=True))
