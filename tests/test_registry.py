"""Registry and scope resolution."""
import pytest
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.registry import DefaultScope

import mmvision_plus
from mmvision_plus.registry import DATASETS, HOOKS, MODELS, OPTIM_WRAPPERS


@pytest.fixture(autouse=True)
def default_scope():
    mmvision_plus.register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        yield


def test_registries_are_children_of_mmdet():
    assert MODELS.scope == 'mmvision_plus'
    assert MODELS.parent is MMDET_MODELS
    assert MMDET_MODELS.children['mmvision_plus'] is MODELS


def test_mmdet_modules_resolve_by_plain_name():
    from mmdet.models.detectors import RetinaNet
    assert MODELS.get('RetinaNet') is RetinaNet
    assert DATASETS.get('CocoDataset') is not None


def test_mmpretrain_modules_resolve_with_prefix():
    from mmpretrain.models import ImageClassifier
    assert MODELS.get('mmpretrain.ImageClassifier') is ImageClassifier


def test_our_modules_resolve_and_build():
    from mmvision_plus.engine import CheckFiniteLossHook
    assert HOOKS.get('CheckFiniteLossHook') is CheckFiniteLossHook
    hook = HOOKS.build(dict(type='CheckFiniteLossHook', interval=2))
    assert hook.interval == 2
    assert OPTIM_WRAPPERS.get('CPUAutocastOptimWrapper') is not None


def test_shadowing_a_mmdet_name_stays_in_our_scope():
    from mmdet.models.losses import FocalLoss as MMDetFocalLoss
    ours = MODELS.get('FocalLoss')
    assert ours.__module__.startswith('mmvision_plus.')
    assert MODELS.get('mmdet.FocalLoss') is MMDetFocalLoss
    # mmdet's own registry is untouched.
    assert MMDET_MODELS.get('FocalLoss') is MMDetFocalLoss
    assert MMDET_MODELS.module_dict['FocalLoss'] is MMDetFocalLoss


def test_build_mmdet_detector_from_our_scope():
    from mmdet.models.detectors import RetinaNet
    model = MODELS.build(
        dict(type='RetinaNet',
             data_preprocessor=dict(type='DetDataPreprocessor'),
             backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
             neck=None,
             bbox_head=dict(
                 type='RetinaHead', num_classes=3, in_channels=512,
                 anchor_generator=dict(type='AnchorGenerator',
                                       octave_base_scale=4,
                                       scales_per_octave=1, ratios=[1.0],
                                       strides=[32]),
                 bbox_coder=dict(type='DeltaXYWHBBoxCoder'),
                 loss_cls=dict(type='mmdet.FocalLoss', use_sigmoid=True),
                 loss_bbox=dict(type='L1Loss')),
             train_cfg=dict(assigner=dict(type='MaxIoUAssigner',
                                          pos_iou_thr=0.5, neg_iou_thr=0.4),
                            allowed_border=-1, pos_weight=-1),
             test_cfg=dict(score_thr=0.05, nms=dict(type='nms',
                                                    iou_threshold=0.5))))
    assert isinstance(model, RetinaNet)


def test_unknown_type_names_the_key():
    with pytest.raises(KeyError, match='NoSuchModule'):
        MODELS.build(dict(type='NoSuchModule'))


def test_register_all_modules_sets_scope():
    mmvision_plus.register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name == 'mmvision_plus'


def test_our_modules_resolve_from_mmpretrain_scope():
    from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
    from mmvision_plus.engine import CheckFiniteLossHook
    from mmpretrain.registry import HOOKS as MMPRETRAIN_HOOKS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        assert MMPRETRAIN_HOOKS.get(
            'mmvision_plus.CheckFiniteLossHook') is CheckFiniteLossHook
        loss_cls = MMPRETRAIN_MODELS.get('mmvision_plus.FocalLoss')
        assert loss_cls.__module__.startswith('mmvision_plus.')
