"""SiLogLoss against its formula."""
import math

import torch

from mmvision_plus.models.losses import SiLogLoss


def test_silog_hand_case():
    loss = SiLogLoss(beta=0.15, eps=0.)
    pred = torch.tensor([1., 2., 4.])
    gt = torch.tensor([1., 1., 1.])
    g = [0., math.log(2), math.log(4)]
    mean = sum(g) / 3
    var = sum((v - mean)**2 for v in g) / 2
    expected = math.sqrt(var + 0.15 * mean**2)
    assert abs(loss(pred, gt).item() - expected) < 1e-6
    # Scale invariance when beta = 0.
    inv = SiLogLoss(beta=0., eps=0.)
    assert abs(inv(pred * 3, gt).item() - inv(pred, gt).item()) < 1e-6


def test_silog_mask_and_degenerate():
    loss = SiLogLoss()
    pred = torch.tensor([1., 2., 3.], requires_grad=True)
    gt = torch.tensor([1., 2., 0.])
    mask = gt > 0
    assert loss(pred, gt, mask).item() < 1e-3  # exact on the valid pixels
    out = loss(pred, gt, torch.tensor([True, False, False]))
    assert out.item() == 0.
    out.backward()


def test_silog_is_a_registered_base_module():
    from mmengine.model import BaseModule

    from mmvision_plus.registry import MODELS
    loss = MODELS.build(
        dict(type='SiLogLoss', beta=0.5, loss_weight=2.0, init_cfg=None))
    assert isinstance(loss, BaseModule) and type(loss) is SiLogLoss
    pred = torch.tensor([1., 2., 4., 3.])
    gt = torch.tensor([1., 1., 2., 0.])
    mask = gt > 0
    torch.testing.assert_close(loss(pred, gt, mask),
                               2 * SiLogLoss(beta=0.5)(pred, gt, mask))
