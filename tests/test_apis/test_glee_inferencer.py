"""GLEEInferencer: text-prompted predictions end to end, named bad input."""
import json
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch

from mmvision_plus.apis import GLEEInferencer
from mmvision_plus.models.language import EmptyPromptError, PromptTooLongError
from tests.test_models.test_detectors.glee_fixtures import (
    GLEE_TEST_DATA, save_tiny_glee)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY_CONFIG = osp.join(GLEE_TEST_DATA, 'glee_tiny_demo-world.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp('glee_ckpt') / 'tiny.pth'
    model = save_tiny_glee('glee_tiny_demo-world.py', path)
    return path, model.state_dict()


@pytest.fixture(scope='module')
def inferencer(checkpoint):
    return GLEEInferencer(TINY_CONFIG, checkpoint=str(checkpoint[0]),
                          device='cpu')


@pytest.fixture(scope='module')
def image(tmp_path_factory):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (120, 150, 3), dtype=np.uint8)
    img[30:80, 40:100] = (0, 0, 255)
    path = tmp_path_factory.mktemp('glee_images') / 'scene.png'
    mmcv.imwrite(img, str(path))
    return str(path), img


def test_checkpoint_is_loaded(inferencer, checkpoint):
    for key, value in checkpoint[1].items():
        assert torch.equal(inferencer.model.state_dict()[key], value), key


def test_image_path_to_boxes_masks_scores_labels_and_files(
        inferencer, image, tmp_path):
    out = inferencer(image[0], texts=['circle', 'square'],
                     out_dir=str(tmp_path), pred_score_thr=0.0)
    pred, = out['predictions']
    assert len(pred['labels']) == 10  # test_cfg.max_per_img
    assert set(pred['labels']) <= {0, 1}
    assert pred['label_names'] == [['circle', 'square'][i]
                                   for i in pred['labels']]
    boxes = np.array(pred['bboxes'])
    assert boxes.shape == (10, 4)
    assert (boxes[:, 2] <= 150 + 1e-3).all() and (boxes[:, 3] <= 120 +
                                                  1e-3).all()
    assert len(pred['masks']) == 10 and pred['masks'][0]['size'] == [120, 150]
    assert all(0 <= s <= 1 for s in pred['scores'])
    assert osp.isfile(tmp_path / 'vis' / 'scene.png')
    with open(tmp_path / 'preds' / 'scene.json') as f:
        assert json.load(f)['label_names'] == pred['label_names']


def test_arrays_batches_tasks(inferencer, image):
    out = inferencer([image[1], image[0]], texts=['circle'], task='det',
                     batch_size=2)
    assert len(out['predictions']) == 2
    assert all('masks' not in p for p in out['predictions'])
    assert all(set(p['labels']) == {0} for p in out['predictions'])
    samples = inferencer(image[0], texts='the red square', task='grounding',
                         return_datasamples=True)['predictions']
    assert samples[0].pred_instances.masks.shape[1:] == (120, 150)
    assert samples[0].pred_instances.query_embeds.shape == (10, 32)
    with pytest.raises(ValueError, match='one expression'):
        inferencer(image[0], texts=['a', 'b'], task='grounding')


def test_bad_input_is_named(inferencer, image, tmp_path):
    with pytest.raises(EmptyPromptError):
        inferencer(image[0], texts=[])
    with pytest.raises(EmptyPromptError):
        inferencer(image[0], texts=['circle', ''])
    with pytest.raises(PromptTooLongError):
        inferencer(image[0], texts=[' '.join(['word'] * 80)])
    missing = str(tmp_path / 'missing.png')
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inferencer(missing, texts=['circle'])
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'not an image at all')
    with pytest.raises(OSError, match='broken.png'):
        inferencer(str(broken), texts=['circle'])


def test_one_line_demo_command(image, checkpoint, tmp_path, python_exe,
                               subprocess_env):
    import subprocess
    result = subprocess.run(
        [python_exe, osp.join(ROOT, 'tools', 'glee_demo.py'), image[0],
         '--texts', 'circle', 'square', '--config', TINY_CONFIG,
         '--checkpoint', str(checkpoint[0]), '--out', str(tmp_path),
         '--score-thr', '0'],
        env=subprocess_env, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'objects with score >= 0.0' in result.stdout
    assert osp.isfile(tmp_path / 'preds' / 'scene.json')
    result = subprocess.run(
        [python_exe, osp.join(ROOT, 'tools', 'glee_demo.py'), image[0],
         '--texts', 'a', 'b', '--task', 'grounding', '--config',
         TINY_CONFIG], env=subprocess_env, cwd=ROOT, capture_output=True,
        text=True)
    assert result.returncode != 0 and 'one expression' in result.stderr
