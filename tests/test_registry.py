"""Registry and scope resolution: our names never repeat upstream names."""
import importlib

import mmdet.utils
import mmpretrain.utils
import pytest
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.registry import DefaultScope, Registry

import mmvision_plus
import mmvision_plus.registry as ours
from mmvision_plus.registry import DATASETS, HOOKS, MODELS, OPTIM_WRAPPERS

UPSTREAM = ('mmdet', 'mmpretrain', 'mmengine')
# Our classes that behave differently from an upstream class of a similar
# name: (registry, our name, module of our class, upstream name, upstream
# class as module:name).
OWN_NAMES = [
    ('DATASETS', 'StrictCocoDataset', 'mmvision_plus.datasets',
     'CocoDataset', 'mmdet.datasets:CocoDataset'),
    ('TRANSFORMS', 'StrictLoadImageFromFile',
     'mmvision_plus.datasets.transforms', 'LoadImageFromFile',
     'mmcv.transforms:LoadImageFromFile'),
    ('MODELS', 'ExtendedFocalLoss', 'mmvision_plus.models.losses',
     'FocalLoss', 'mmdet.models.losses:FocalLoss'),
    ('MODELS', 'PaperSIoULoss', 'mmvision_plus.models.losses', 'SIoULoss',
     'mmdet.models.losses:SIoULoss'),
]


def _import(path: str):
    module, name = path.split(':')
    return getattr(importlib.import_module(module), name)


def _our_registries() -> dict:
    return {name: reg for name, reg in vars(ours).items()
            if isinstance(reg, Registry) and reg.scope == ours.SCOPE}


def colliding_names(registry: Registry, kind: str) -> list:
    """Names of ``registry`` also registered in an upstream registry of the
    same kind (``kind`` is the attribute name, e.g. ``'MODELS'``), as
    ``'name (library)'``."""
    registry.import_from_location()
    found = []
    for library in UPSTREAM:
        upstream = getattr(importlib.import_module(f'{library}.registry'),
                           kind, None)
        if upstream is None:  # e.g. mmpretrain has no EVALUATOR registry
            continue
        upstream.import_from_location()
        found += [f'{name} ({library})' for name in sorted(
            set(registry.module_dict) & set(upstream.module_dict))]
    return found


@pytest.fixture(autouse=True)
def default_scope():
    mmvision_plus.register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        yield


@pytest.fixture(scope='module')
def upstream_registered():
    """Every upstream module registered, so the upstream names are all
    there to compare with."""
    mmdet.utils.register_all_modules(init_default_scope=False)
    mmpretrain.utils.register_all_modules(init_default_scope=False)


def test_registries_are_children_of_mmdet():
    assert MODELS.scope == 'mmvision_plus'
    assert MODELS.parent is MMDET_MODELS
    assert MMDET_MODELS.children['mmvision_plus'] is MODELS


@pytest.mark.parametrize('kind', sorted(_our_registries()))
def test_no_name_repeats_an_upstream_name(kind, upstream_registered):
    registry = _our_registries()[kind]
    found = colliding_names(registry, kind)
    assert not found, f'{kind}: names that repeat upstream ones: {found}'



def test_collision_check_finds_a_repeated_name(upstream_registered):
    """The check above is not vacuous: a child registry with a name mmdet
    (FocalLoss) or mmengine (OptimWrapper) already has is caught."""
    from mmdet.registry import OPTIM_WRAPPERS as MMDET_OPTIM_WRAPPERS
    models = Registry('model', parent=MMDET_MODELS, scope='collision_test')
    models.register_module(name='FocalLoss', module=object)
    models.register_module(name='NotAnUpstreamName', module=object)
    assert colliding_names(models, 'MODELS') == [
        'FocalLoss (mmdet)', 'FocalLoss (mmpretrain)']
    wrappers = Registry('optim_wrapper', parent=MMDET_OPTIM_WRAPPERS,
                        scope='collision_test')
    wrappers.register_module(name='OptimWrapper', module=object)
    assert colliding_names(wrappers, 'OPTIM_WRAPPERS') == [
        'OptimWrapper (mmengine)']
    for registry in (models, wrappers):  # leave the registry tree as it was
        del registry.parent._children['collision_test']


@pytest.mark.parametrize('kind,name,module,upstream_name,upstream',
                         OWN_NAMES, ids=[row[1] for row in OWN_NAMES])
def test_upstream_names_mean_upstream_classes(kind, name, module,
                                              upstream_name, upstream):
    """``type='FocalLoss'`` (or 'CocoDataset', 'LoadImageFromFile',
    'SIoULoss') in our scope is the upstream class; ours have their own
    names, in our scope and, prefixed, from mmdet's and mmpretrain's."""
    our_cls = getattr(importlib.import_module(module), name)
    upstream_cls = _import(upstream)
    assert our_cls is not upstream_cls
    registry = getattr(ours, kind)
    assert registry.get(upstream_name) is upstream_cls
    assert upstream_name not in registry.module_dict
    assert registry.get(name) is our_cls
    for scope in ('mmdet', 'mmpretrain'):
        other = getattr(importlib.import_module(f'{scope}.registry'), kind)
        with DefaultScope.overwrite_default_scope(scope):
            assert other.get(f'mmvision_plus.{name}') is our_cls
            assert other.get(name) is None


def test_mmdet_modules_resolve_by_plain_name():
    from mmdet.datasets import CocoDataset
    from mmdet.models.detectors import RetinaNet
    assert MODELS.get('RetinaNet') is RetinaNet
    assert DATASETS.get('CocoDataset') is CocoDataset


def test_mmpretrain_modules_resolve_with_prefix():
    from mmpretrain.models import ImageClassifier
    assert MODELS.get('mmpretrain.ImageClassifier') is ImageClassifier


def test_our_modules_resolve_and_build():
    from mmvision_plus.engine import CheckFiniteLossHook
    assert HOOKS.get('CheckFiniteLossHook') is CheckFiniteLossHook
    hook = HOOKS.build(dict(type='CheckFiniteLossHook', interval=2))
    assert hook.interval == 2
    assert OPTIM_WRAPPERS.get('CPUAutocastOptimWrapper') is not None


def test_build_mmdet_detector_from_our_scope():
    from mmdet.models.detectors import RetinaNet
    from mmdet.models.losses import FocalLoss
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
                 loss_cls=dict(type='FocalLoss', use_sigmoid=True),
                 loss_bbox=dict(type='L1Loss')),
             train_cfg=dict(assigner=dict(type='MaxIoUAssigner',
                                          pos_iou_thr=0.5, neg_iou_thr=0.4),
                            allowed_border=-1, pos_weight=-1),
             test_cfg=dict(score_thr=0.05, nms=dict(type='nms',
                                                    iou_threshold=0.5))))
    assert isinstance(model, RetinaNet)
    assert type(model.bbox_head.loss_cls) is FocalLoss


def test_unknown_type_names_the_key():
    with pytest.raises(KeyError, match='NoSuchModule'):
        MODELS.build(dict(type='NoSuchModule'))


def test_register_all_modules_sets_scope():
    mmvision_plus.register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name == 'mmvision_plus'


def test_our_modules_resolve_from_mmpretrain_scope():
    from mmpretrain.registry import HOOKS as MMPRETRAIN_HOOKS

    from mmvision_plus.engine import CheckFiniteLossHook
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        assert MMPRETRAIN_HOOKS.get(
            'mmvision_plus.CheckFiniteLossHook') is CheckFiniteLossHook
