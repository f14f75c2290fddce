"""Every ``configs/*/metafile.yml`` entry agrees with its config: the file
exists, the name is its stem, and the schedule and batch size it states are
the config's (a renamed or re-scheduled config cannot leave its model-zoo
entry behind)."""
import glob
import os.path as osp
import re

import pytest
import yaml
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METAFILES = sorted(glob.glob(osp.join(ROOT, 'configs', '*', 'metafile.yml')))


def metafile_models():
    for path in METAFILES:
        with open(path) as file:
            for model in yaml.safe_load(file)['Models']:
                yield pytest.param(model, id=model['Name'])


def test_metafiles_found():
    assert len(METAFILES) >= 10


@pytest.mark.parametrize('model', metafile_models())
def test_metafile_entry_matches_its_config(model):
    config = model.get('Config')
    if config is None:  # a published checkpoint without a config (DINOv2)
        return
    assert osp.isfile(osp.join(ROOT, config)), config
    stem = osp.splitext(osp.basename(config))[0]
    assert model['Name'] == stem
    meta = model.get('Metadata') or {}
    if 'Epochs' not in meta and 'Iterations' not in meta and \
            'Batch Size' not in meta:
        return
    cfg = Config.fromfile(osp.join(ROOT, config))
    train_cfg = cfg.get('train_cfg') or {}
    if 'Epochs' in meta:
        assert train_cfg.get('max_epochs') == meta['Epochs'], config
    if 'Iterations' in meta:
        assert train_cfg.get('max_iters') == meta['Iterations'], config
    layout = re.search(r'_(\d+)xb(\d+)-', stem)
    if 'Batch Size' in meta and layout is not None:
        gpus, per_gpu = (int(n) for n in layout.groups())
        assert meta['Batch Size'] == gpus * per_gpu, config
        batch_size = cfg.train_dataloader.get('batch_size')
        if isinstance(batch_size, int):
            assert batch_size == per_gpu, config
