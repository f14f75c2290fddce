"""Linear dense heads: channels, shapes, resizing to the image, losses."""
import pytest
import torch
from mmengine.structures import BaseDataElement, PixelData

from mmvision_plus.models.heads import (DINOv2LinearDenseHead,
                                        DINOv2LinearDepthHead,
                                        DINOv2LinearSegHead)
from mmvision_plus.models.heads.dinov2_linear_dense_heads import \
    resize_to_image


def _feats(n=2, b=2, c=16, h=4, w=6):
    gen = torch.Generator().manual_seed(0)
    return [(torch.randn(b, c, h, w, generator=gen),
             torch.randn(b, c, generator=gen)) for _ in range(n)]


def _sample(img_shape, ori_shape, **fields):
    sample = BaseDataElement(metainfo=dict(img_shape=img_shape,
                                           ori_shape=ori_shape))
    for key, value in fields.items():
        setattr(sample, key, PixelData(data=value))
    return sample


@pytest.mark.parametrize('num_inputs,cls,up', [(1, False, 1), (2, True, 4)])
def test_seg_head_shapes(num_inputs, cls, up):
    head = DINOv2LinearSegHead(num_classes=5, in_channels=16,
                               num_inputs=num_inputs, with_cls_token=cls,
                               upsample=up)
    assert head.bn.num_features == 16 * num_inputs * (2 if cls else 1)
    out = head(_feats(num_inputs))
    assert out.shape == (2, 5, 4 * up, 6 * up)
    samples = [_sample((50, 80), (25, 40)), _sample((56, 84), (56, 84))]
    head.eval()
    preds = head.predict(_feats(num_inputs), samples, (56, 84))
    assert preds[0].pred_sem_seg.data.shape == (1, 25, 40)
    assert preds[1].seg_logits.data.shape == (5, 56, 84)


def test_seg_head_wrong_number_of_blocks():
    head = DINOv2LinearSegHead(num_classes=3, in_channels=16, num_inputs=2)
    with pytest.raises(ValueError, match='expected 2 block features'):
        head(_feats(1))
    with pytest.raises(ValueError, match=r'\(B, 16, h, w\)'):
        head(_feats(2, c=8))


def test_resize_to_image_crops_the_padding():
    # A prediction over a 28 x 28 padded input whose image is the top
    # 14 x 28 half: the bottom (padding) half of the map holds 1s.
    x = torch.zeros(1, 1, 2, 2)
    x[..., 1, :] = 1.  # bottom row = padding region
    out = resize_to_image(x, (28, 28), (14, 28), (7, 14))
    assert out.shape == (1, 1, 7, 14)
    # Only the top (image) half survives: values stay below 0.5.
    assert out.max() < 0.5


def test_seg_loss_ignores_and_learns():
    torch.manual_seed(0)
    head = DINOv2LinearSegHead(num_classes=3, in_channels=16)
    feats = _feats(1, b=1, h=4, w=4)
    # Label = 1 where the first channel is positive, 2 elsewhere, the top
    # row ignored; the gt is at 2x the token grid.
    label = torch.where(feats[0][0][0, :1] > 0, 1, 2).long()
    label = label.repeat_interleave(2, 1).repeat_interleave(2, 2)
    label[:, :2] = 255
    samples = [_sample((56, 56), (8, 8), gt_sem_seg=label)]
    opt = torch.optim.SGD(head.parameters(), lr=0.5)
    first = None
    for _ in range(60):
        loss = head.loss(feats, samples, (56, 56))['loss_seg']
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < first / 3
    all_ignored = [_sample((56, 56), (8, 8),
                           gt_sem_seg=torch.full((1, 8, 8), 255))]
    assert head.loss(feats, all_ignored, (56, 56))['loss_seg'].item() == 0


def test_depth_head_bins_hand_case():
    head = DINOv2LinearDepthHead(in_channels=16, n_bins=4, min_depth=1.,
                                 max_depth=4., upsample=2)
    assert head.bn.num_features == 32  # cls token concatenated
    torch.nn.init.zeros_(head.conv.weight)
    with torch.no_grad():
        head.conv.bias.copy_(torch.tensor([-1., -1., -1., 0.9]))
    # relu -> (0, 0, 0, 0.9) + 0.1 -> (0.1, 0.1, 0.1, 1.0) / 1.3 over
    # bins (1, 2, 3, 4): (0.1 + 0.2 + 0.3 + 4) / 1.3.
    depth = head.predict_depth(_feats(1))
    assert depth.shape == (2, 1, 8, 12)
    torch.testing.assert_close(depth, torch.full_like(depth, 4.6 / 1.3))

    sid = DINOv2LinearDepthHead(in_channels=16, n_bins=3, min_depth=1.,
                                max_depth=100., bins_strategy='SID')
    torch.testing.assert_close(sid.bins, torch.tensor([1., 10., 100.]))


def test_depth_head_regression_loss_and_predict():
    torch.manual_seed(0)
    head = DINOv2LinearDepthHead(in_channels=16, classify=False, upsample=1,
                                 min_depth=0.1, max_depth=10.)
    feats = _feats(1, b=2)
    gt = torch.full((1, 12, 18), 2.)
    gt[:, 0] = 0.  # missing depth: not in the loss
    samples = [_sample((56, 84), (12, 18), gt_depth=gt),
               _sample((56, 84), (12, 18), gt_depth=gt * 2)]
    loss = head.loss(feats, samples, (56, 84))['loss_depth']
    assert loss.item() > 0
    loss.backward()
    assert head.conv.weight.grad.abs().sum() > 0
    head.eval()
    preds = head.predict(feats, samples, (56, 84))
    assert preds[0].pred_depth.data.shape == (1, 12, 18)
    assert preds[0].pred_depth.data.min() >= 0.1


def test_depth_head_bad_args():
    with pytest.raises(ValueError, match='bins_strategy'):
        DINOv2LinearDepthHead(in_channels=8, bins_strategy='log')
    with pytest.raises(ValueError, match='min_depth'):
        DINOv2LinearDepthHead(in_channels=8, min_depth=0.)


def test_task_head_must_define_its_loss_and_prediction():
    """The shared head is abstract: a task head that leaves out
    ``pixel_loss`` or ``add_prediction`` fails when it is built, not
    halfway through training or testing."""
    with pytest.raises(TypeError, match='abstract'):
        DINOv2LinearDenseHead(in_channels=16, out_channels=3)

    class NoPrediction(DINOv2LinearDenseHead):
        gt_field = 'gt_sem_seg'

        def pixel_loss(self, pred, gt):
            return dict(loss=pred.sum())

    with pytest.raises(TypeError, match='add_prediction'):
        NoPrediction(in_channels=16, out_channels=3)
