"""tools/analysis_tools/knn_eval.py on an ImageNet-style folder of solid
colour images: any feature that keeps colour separates the classes."""
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'knn_eval.py')
CONFIG = osp.join(ROOT, 'configs', 'dinov2',
                  'dinov2-linear_vit-t14-rand_1xb64-6e_demo-world-crops.py')
COLOURS = dict(red=(0, 0, 220), green=(0, 200, 0), blue=(230, 0, 0))


def _make_folder(root):
    rng = np.random.default_rng(0)
    for split, n in (('train', 6), ('val', 3)):
        for name, bgr in COLOURS.items():
            d = root / split / name
            d.mkdir(parents=True)
            for i in range(n):
                img = np.clip(np.array(bgr) + rng.normal(0, 10, (48, 48, 3)),
                              0, 255).astype(np.uint8)
                cv2.imwrite(str(d / f'{i}.png'), img)


@pytest.mark.parametrize('feature', ['cls', 'neck'])
def test_knn_eval_tool(tmp_path, subprocess_env, feature):
    _make_folder(tmp_path / 'crops')
    root = str(tmp_path / 'crops') + '/'
    out = tmp_path / 'knn.json'
    opts = [f'{split}_dataloader.dataset.data_root={root}'
            for split in ('train', 'val', 'test')]
    opts += [f'{split}_dataloader.{k}={v}' for split in ('train', 'val',
                                                         'test')
             for k, v in (('num_workers', 0), ('persistent_workers', False))]
    # With the official LayerScale init (1e-5) random blocks are nearly the
    # identity and the class token carries no image information; at 1.0
    # they mix the patch tokens into it.
    opts.append('model.backbone.layer_scale_init=1.0')
    proc = subprocess.run(
        [sys.executable, TOOL, CONFIG, '--k', '1', '5', '--feature',
         feature, '--out', str(out), '--cfg-options', *opts],
        capture_output=True, text=True, env=subprocess_env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '18 train / 9 val images, 3 classes' in proc.stdout
    res = json.loads(out.read_text())
    assert set(res) == {'1-NN top-1', '5-NN top-1'}
    assert res['1-NN top-1'] == pytest.approx(100.)


def test_knn_eval_record(tmp_path, subprocess_env):
    """--record adds the accuracies to the results record (section knn),
    with the seed the random weights are drawn with."""
    _make_folder(tmp_path / 'crops')
    root = str(tmp_path / 'crops') + '/'
    opts = [f'{split}_dataloader.{k}={v}' for split in ('train', 'val')
            for k, v in (('dataset.data_root', root), ('num_workers', 0),
                         ('persistent_workers', False))]
    opts.append('randomness.seed=3')
    record = tmp_path / 'results' / 'knn_seed3.json'
    outputs = []
    for name in ('a', 'b'):  # twice: the seeded random weights are the same
        out = tmp_path / f'{name}.json'
        proc = subprocess.run(
            [sys.executable, TOOL, CONFIG, '--k', '1', '2', '--out',
             str(out), '--record', str(record), '--cfg-options', *opts],
            capture_output=True, text=True, env=subprocess_env, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr[-3000:]
        outputs.append(json.loads(out.read_text()))
    assert outputs[0] == outputs[1]
    saved = json.loads(record.read_text())
    assert saved['config'] == osp.relpath(CONFIG, ROOT)
    assert saved['seed'] == 3 and 'train' not in saved
    knn = saved['knn']
    assert knn['metrics'] == outputs[1]
    assert knn['arguments'] == dict(k=[1, 2], temperature=0.07,
                                    feature='cls')
    assert knn['checkpoint'] is None and '--record' in knn['command']
    assert knn['cfg_options']['randomness.seed'] == 3
