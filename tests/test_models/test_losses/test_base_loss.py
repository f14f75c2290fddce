"""The shared reduction check and reduction path of our losses."""
import pytest
import torch
from mmdet.models.losses.utils import weight_reduce_loss

from mmvision_plus.models.losses import (BaseLoss, CMPMLoss,
                                         ExtendedFocalLoss, IdentityLoss,
                                         PaperSIoULoss, SDMLoss,
                                         check_logits_and_labels,
                                         check_reduction)


def _boxes():
    return (torch.tensor([[0., 0., 2., 2.], [1., 1., 4., 3.]]),
            torch.tensor([[0., 1., 2., 3.], [1., 0., 3., 3.]]))


# (loss class, inputs of a call)
LOSSES = [
    (ExtendedFocalLoss, lambda: (torch.randn(4, 3), torch.tensor([0, 1, 2,
                                                                   3]))),
    (PaperSIoULoss, _boxes),
    (CMPMLoss, lambda: (torch.randn(4, 5), torch.randn(4, 5),
                        torch.tensor([0, 0, 1, 2]))),
    (SDMLoss, lambda: (torch.randn(4, 5), torch.randn(4, 5),
                       torch.tensor([0, 0, 1, 2]))),
    (IdentityLoss, lambda: ([torch.randn(4, 3)], torch.tensor([0, 1, 2, 0]))),
]
IDS = [cls.__name__ for cls, _ in LOSSES]


@pytest.mark.parametrize('loss_cls, inputs', LOSSES, ids=IDS)
def test_bad_reduction_names_the_loss_and_the_value(loss_cls, inputs):
    assert isinstance(loss_cls(), BaseLoss)
    with pytest.raises(ValueError,
                       match=f'{loss_cls.__name__}: reduction must be one '
                       r"of \('none', 'mean', 'sum'\), got 'average'"):
        loss_cls(reduction='average')
    with pytest.raises(ValueError,
                       match=f'{loss_cls.__name__}: reduction_override must '
                       "be one of .*, got 'max'"):
        loss_cls()(*inputs(), reduction_override='max')


@pytest.mark.parametrize('loss_cls, inputs', LOSSES, ids=IDS)
def test_avg_factor_with_sum_names_the_loss(loss_cls, inputs):
    with pytest.raises(ValueError, match=f'{loss_cls.__name__}: avg_factor '
                       "can not be used with reduction='sum'"):
        loss_cls()(*inputs(), avg_factor=2.0, reduction_override='sum')
    # and every reduction is accepted
    for reduction in ('none', 'mean', 'sum'):
        out = loss_cls(reduction=reduction)(*inputs())
        assert torch.isfinite(out).all()
        assert (out.dim() == 0) == (reduction != 'none')


def test_check_reduction():
    assert check_reduction('sum', 'MyLoss') == 'sum'
    with pytest.raises(ValueError,
                       match="MyLoss: mode must be one of .*, got None"):
        check_reduction(None, 'MyLoss', 'mode')


@pytest.mark.parametrize('reduction', ['none', 'mean', 'sum'])
@pytest.mark.parametrize('use_weight', [False, True])
def test_reduce_loss_is_mmdets_weight_reduce_loss(reduction, use_weight):
    torch.manual_seed(0)
    loss = torch.rand(5, 3)
    weight = torch.rand(5, 1) if use_weight else None
    reducer = BaseLoss(reduction=reduction, loss_weight=3.0)
    expected = weight_reduce_loss(loss, weight, reduction)
    # loss_weight is the caller's to apply
    assert torch.equal(reducer.reduce_loss(loss, weight), expected)
    other = 'sum' if reduction != 'sum' else 'none'
    assert torch.equal(
        reducer.reduce_loss(loss, weight, reduction_override=other),
        weight_reduce_loss(loss, weight, other))
    if reduction != 'sum':
        assert torch.equal(
            reducer.reduce_loss(loss, weight, avg_factor=4.0),
            weight_reduce_loss(loss, weight, reduction, avg_factor=4.0))


class _SquaredError(BaseLoss):
    """A loss defining only its unreduced form, with an ignore label."""

    def unreduced_loss(self, pred, target, scale=1.0):
        return scale * (pred - target.clamp(min=0).float().unsqueeze(1))**2

    def valid_targets(self, pred, target):
        return target >= 0


@pytest.mark.parametrize('reduction', ['none', 'mean', 'sum'])
def test_template_forward_weights_reduces_and_scales(reduction):
    torch.manual_seed(0)
    pred, target = torch.randn(5, 3), torch.tensor([0, 2, -1, 1, -1])
    weight = torch.rand(5, 3)
    loss = _SquaredError(reduction=reduction, loss_weight=0.5)
    keep = (target >= 0).float().view(-1, 1)
    per_element = 2.0 * (pred - target.clamp(min=0).float().unsqueeze(1))**2
    # rows without a target are weighted 0; 'mean' averages over the others
    avg_factor = 3 * 3 if reduction == 'mean' else None
    expected = 0.5 * weight_reduce_loss(per_element, weight * keep,
                                        reduction, avg_factor)
    assert torch.equal(loss(pred, target, weight, scale=2.0), expected)
    if reduction != 'sum':
        assert torch.equal(
            loss(pred, target, weight, avg_factor=7.0, scale=2.0),
            0.5 * weight_reduce_loss(per_element, weight * keep, reduction,
                                     7.0))
    with pytest.raises(TypeError, match='scael'):
        loss(pred, target, scael=2.0)


def test_template_needs_unreduced_loss():
    with pytest.raises(NotImplementedError,
                       match='BaseLoss does not define unreduced_loss'):
        BaseLoss()(torch.zeros(2), torch.zeros(2))


def test_check_logits_and_labels_names_the_layout():
    check_logits_and_labels(torch.zeros(3, 2), torch.zeros(3), 'ITMLoss',
                            num_classes=2)
    with pytest.raises(ValueError, match=r'ITMLoss expects logits \(N, 2\) '
                       r'and labels \(N,\), got \(3, 3\) and \(3,\)'):
        check_logits_and_labels(torch.zeros(3, 3), torch.zeros(3),
                                'ITMLoss', num_classes=2)
    with pytest.raises(ValueError, match=r'lm_loss expects logits '
                       r'\(B, L, V\) and labels \(B, L\), got \(2, 4, 5\) '
                       r'and \(2, 3\)'):
        check_logits_and_labels(torch.zeros(2, 4, 5), torch.zeros(2, 3),
                                'lm_loss', ('B', 'L'), 'V')
