"""PaperSIoULoss and ExtendedFocalLoss inside real mmdet detectors, a few
train steps."""
import copy
import os.path as osp

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config, ConfigDict
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

import mmvision_plus
from mmvision_plus.models.losses import ExtendedFocalLoss, PaperSIoULoss
from mmvision_plus.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
NUM_CLASSES = 3
# The demo bases' ResNet-18 and FPN at 1/16 of their widths: only the sizes
# change, every other layer option stays the config's.
TINY_BACKBONE = dict(base_channels=8)
TINY_NECK = dict(in_channels=[16, 32, 64], out_channels=16, num_outs=3)
TEST_CFG = dict(
    nms_pre=100,
    score_thr=0.05,
    nms=dict(type='nms', iou_threshold=0.6),
    max_per_img=10)


def demo_detector_at_test_size(base: str, **bbox_head) -> dict:
    """The model of the demo detector config ``configs/_base_/models/<base>``
    (its preprocessor, head options, box coder, assigner...) with a tiny
    backbone and neck, :data:`NUM_CLASSES` classes and ``bbox_head``
    merged into its head."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'models', base))
    cfg.merge_from_dict(dict(model=dict(
        backbone=TINY_BACKBONE,
        neck=TINY_NECK,
        bbox_head=dict(num_classes=NUM_CLASSES, in_channels=16,
                       stacked_convs=1, feat_channels=16, **bbox_head),
        test_cfg=dict(_delete_=True, **TEST_CFG))))
    return cfg.model.to_dict()


FCOS = demo_detector_at_test_size(
    'fcos_r18_fpn_gn-head_demo.py',
    strides=[8, 16, 32],
    regress_ranges=((-1, 32), (32, 64), (64, 1e8)),
    norm_cfg=dict(num_groups=4),
    conv_bias='auto',
    loss_cls=dict(
        _delete_=True,
        type='ExtendedFocalLoss',
        use_sigmoid=True,
        alpha=[0.2, 0.3, 0.4]),
    loss_bbox=dict(_delete_=True, type='PaperSIoULoss', loss_weight=2.0))
RETINANET = demo_detector_at_test_size(
    'retinanet_r18_fpn_demo.py',
    anchor_generator=dict(octave_base_scale=4, scales_per_octave=1,
                          strides=[8, 16, 32]),
    bbox_coder=dict(target_stds=[0.1, 0.1, 0.2, 0.2]),
    reg_decoded_bbox=True,  # IoU-type losses need decoded boxes
    loss_cls=dict(
        _delete_=True,
        type='ExtendedFocalLoss', use_sigmoid=True, gamma=2.0,
        alpha=0.25),
    loss_bbox=dict(_delete_=True, type='PaperSIoULoss', loss_weight=2.0))


def random_batch(num_images=2, size=64, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(num_images):
        inputs.append(
            torch.randint(0, 256, (3, size, size), generator=gen,
                          dtype=torch.uint8))
        xy = torch.rand(3, 2, generator=gen) * size * 0.5
        wh = torch.rand(3, 2, generator=gen) * size * 0.4 + 8
        sample = DetDataSample(
            metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                          pad_shape=(size, size), scale_factor=(1., 1.)))
        sample.gt_instances = InstanceData(
            bboxes=torch.cat([xy, (xy + wh).clamp(max=size)], 1),
            labels=torch.randint(0, NUM_CLASSES, (3, ), generator=gen))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('cfg', [FCOS, RETINANET], ids=['fcos', 'retinanet'])
def test_train_steps_in_mmdet_detectors(cfg):
    mmvision_plus.register_all_modules(init_default_scope=False)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = MODELS.build(ConfigDict(copy.deepcopy(cfg)))
    head = model.bbox_head
    assert type(head.loss_cls) is ExtendedFocalLoss
    assert type(head.loss_bbox) is PaperSIoULoss
    optim = build_optim_wrapper(
        model, dict(optimizer=dict(type='AdamW', lr=1e-3)))
    before = [p.detach().clone() for p in model.parameters()]
    data = random_batch()
    totals = []
    for _ in range(3):
        log_vars = model.train_step(data, optim)
        assert all(torch.isfinite(torch.as_tensor(v))
                   for v in log_vars.values())
        assert float(log_vars['loss_bbox']) > 0
        totals.append(float(log_vars['loss']))
    changed = sum(not torch.equal(b, p.detach())
                  for b, p in zip(before, model.parameters()))
    assert changed > len(before) // 2
    # same batch three times: the loss goes down
    assert totals[-1] < totals[0]
    model.eval()
    with torch.no_grad():
        results = model.test_step(data)
    assert len(results) == 2 and results[0].pred_instances is not None


def test_softmax_focal_in_retinanet():
    """``use_sigmoid=False`` makes the head add a background class."""
    cfg = copy.deepcopy(RETINANET)
    cfg['bbox_head']['loss_cls'] = dict(
        type='ExtendedFocalLoss',
        use_sigmoid=False,
        alpha=[0.5] * NUM_CLASSES + [0.1])
    mmvision_plus.register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = MODELS.build(ConfigDict(cfg))
    assert model.bbox_head.cls_out_channels == NUM_CLASSES + 1
    optim = build_optim_wrapper(
        model, dict(optimizer=dict(type='AdamW', lr=1e-3)))
    log_vars = model.train_step(random_batch(seed=1), optim)
    assert torch.isfinite(torch.as_tensor(log_vars['loss']))
