"""The SIoU / focal-loss configs load and build the intended losses."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmvision_plus
from mmvision_plus.models.losses import ExtendedFocalLoss, PaperSIoULoss
from mmvision_plus.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs', 'siou', '*.py')) +
    glob.glob(osp.join(REPO, 'configs', 'focal_loss', '*.py')))


def test_configs_found():
    names = [osp.basename(c) for c in CONFIGS]
    for loss in ('giou', 'ciou', 'siou'):
        assert f'fcos_r18_fpn_{loss}_1xb8-12e_demo-world.py' in names
        assert f'fcos_r18_fpn_{loss}_1xb8-6e_demo-world.py' in names
        assert f'fcos_r50_fpn_{loss}_1x_coco.py' in names
    assert any(n.startswith('retinanet') and 'coco' in n for n in names)
    assert any(n.startswith('retinanet') and 'demo' in n for n in names)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmvision_plus'
    mmvision_plus.register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = MODELS.build(cfg.model)
    head = model.bbox_head
    name = osp.basename(path)
    if '_siou_' in name:
        assert type(head.loss_bbox) is PaperSIoULoss
    elif '_giou_' in name:
        assert type(head.loss_bbox).__name__ == 'GIoULoss'
    elif '_ciou_' in name:
        assert type(head.loss_bbox).__name__ == 'CIoULoss'
    if name.startswith('retinanet'):
        assert type(head.loss_cls) is ExtendedFocalLoss
        if 'demo-world' in name:
            assert isinstance(head.loss_cls.alpha, list)
            assert len(head.loss_cls.alpha) == head.num_classes


@pytest.mark.parametrize('schedule', ['12e', '6e'])
def test_demo_world_comparison_changes_only_the_box_loss(schedule):
    def without_box_loss(loss):
        cfg = Config.fromfile(
            osp.join(REPO, 'configs', 'siou',
                     f'fcos_r18_fpn_{loss}_1xb8-{schedule}_demo-world.py')
        ).to_dict()
        box_loss = cfg['model']['bbox_head'].pop('loss_bbox')
        return cfg, box_loss

    base, giou = without_box_loss('giou')
    demo = Config.fromfile(
        osp.join(REPO, 'configs', 'demo',
                 'fcos_r18_fpn_gn-head_1xb8-12e_demo-world.py')).to_dict()
    demo['model']['bbox_head'].pop('loss_bbox')
    if schedule == '12e':
        assert base == demo
    else:
        assert base['train_cfg']['max_epochs'] == 6
        assert base['param_scheduler'][1]['T_max'] == 6
        for key in ('model', 'train_dataloader', 'val_dataloader',
                    'optim_wrapper', 'randomness'):
            assert base[key] == demo[key]
    assert giou['type'] == 'GIoULoss'
    for loss, loss_type in (('ciou', 'CIoULoss'), ('siou', 'PaperSIoULoss')):
        cfg, box_loss = without_box_loss(loss)
        assert cfg == base
        assert box_loss['type'] == loss_type
