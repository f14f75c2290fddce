"""GLEE on a user's clip and with visual prompts: GLEEVideoInferencer end
to end on a generated clip (video file and frames folder), GLEEInferencer
with clicks / boxes / scribbles / masks, the demo command, and named
errors for a video that cannot be opened or a prompt outside the image."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmvision_plus.apis import (GLEEInferencer, GLEEVideoInferencer,
                                VideoReadError, read_video)
from mmvision_plus.models.language import EmptyPromptError
from mmvision_plus.models.layers import VisualPromptError
from tests.test_models.test_detectors.glee_fixtures import (
    GLEE_TEST_DATA, save_tiny_glee)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY_VIDEO = osp.join(GLEE_TEST_DATA, 'glee_tiny_video_demo-world.py')
H, W, T = 48, 64, 4


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp('glee_video_ckpt') / 'tiny.pth'
    save_tiny_glee('glee_tiny_video_demo-world.py', path)
    return str(path)


@pytest.fixture(scope='module')
def clip(tmp_path_factory):
    """A red square moving right over noise: a video file and frames."""
    rng = np.random.default_rng(0)
    folder = tmp_path_factory.mktemp('glee_clip')
    (folder / 'frames').mkdir()
    frames = []
    for t in range(T):
        img = rng.integers(0, 80, (H, W, 3), dtype=np.uint8)
        img[10:30, 5 + 6 * t:25 + 6 * t] = (0, 0, 255)
        frames.append(img)
        cv2.imwrite(str(folder / 'frames' / f'{t:03d}.png'), img)
    video = str(folder / 'clip.avi')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (W, H))
    for img in frames:
        writer.write(img)
    writer.release()
    return dict(frames=frames, folder=str(folder / 'frames'), video=video)


@pytest.fixture(scope='module')
def video_inferencer(checkpoint):
    return GLEEVideoInferencer(TINY_VIDEO, checkpoint=checkpoint,
                               device='cpu')


def test_reading_videos(clip, tmp_path):
    assert len(read_video(clip['folder'])) == T
    frames = read_video(clip['video'])
    assert len(frames) == T and frames[0].shape == (H, W, 3)
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'not a video')
    with pytest.raises(VideoReadError, match='broken.mp4'):
        read_video(str(broken))
    with pytest.raises(VideoReadError, match='missing.mp4'):
        read_video(str(tmp_path / 'missing.mp4'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(VideoReadError, match='no image frames'):
        read_video(str(tmp_path / 'empty'))


def test_tracking_a_generated_clip(video_inferencer, clip, tmp_path):
    out = video_inferencer(clip['video'], texts=['square', 'circle'],
                           out_dir=str(tmp_path), score_thr=0.0)
    assert len(out['frames']) == T
    for frame in out['frames']:
        assert len(frame['instances_id']) <= 5
        assert set(frame['label_names']) <= {'square', 'circle'}
        assert all(m['size'] == [H, W] for m in frame['masks'])
    assert len(out['data_samples'].video_data_samples) == T
    assert len(list((tmp_path / 'frames').iterdir())) == T
    written = cv2.VideoCapture(str(tmp_path / 'clip.mp4'))
    assert written.isOpened() and int(
        written.get(cv2.CAP_PROP_FRAME_COUNT)) == T
    with open(tmp_path / 'tracks.json') as f:
        assert len(json.load(f)) == T


def test_rvos_and_vos_on_a_clip(video_inferencer, clip):
    out = video_inferencer(clip['folder'], texts='the red square',
                           task='grounding', score_thr=0.0)
    ids = {i for f in out['frames'] for i in f['instances_id']}
    assert len(ids) == 1
    out = video_inferencer(clip['frames'], boxes=[[5, 10, 25, 30]],
                           score_thr=0.0)
    assert all(f['instances_id'] in ([0], []) for f in out['frames'])
    with pytest.raises(VisualPromptError, match='outside'):
        video_inferencer(clip['frames'], points=[[W + 5, 3]])
    with pytest.raises(EmptyPromptError):
        video_inferencer(clip['frames'])
    with pytest.raises(VideoReadError, match='nowhere.mp4'):
        video_inferencer('nowhere.mp4', texts=['square'])


def test_image_inferencer_takes_visual_prompts(checkpoint, clip, tmp_path):
    cfg = Config.fromfile(TINY_VIDEO)
    cfg.model.type = 'GLEE'
    cfg.model.data_preprocessor.type = 'DetDataPreprocessor'
    for key in ('tracker', 'window_size', 'max_tracks', 'loss_track',
                'num_track_negatives'):
        cfg.model.pop(key)
    inferencer = GLEEInferencer(cfg, checkpoint=checkpoint, device='cpu')
    image = clip['frames'][0]
    mask = np.zeros((H, W), bool)
    mask[10:30, 5:25] = True
    prompts = [dict(points=[[15, 20], [50, 40]], point_labels=[1, 0]),
               dict(boxes=[[5, 10, 25, 30]]),
               dict(scribbles=[[[8, 15], [20, 25]]]),
               dict(mask=mask, points=[[10, 12]], point_labels=[0])]
    for prompt in prompts:
        pred, = inferencer(image, pred_score_thr=0.0, **prompt)[
            'predictions']
        assert len(pred['labels']) == 1 and pred['label_names'] == [
            'object']
        assert pred['masks'][0]['size'] == [H, W]
    with pytest.raises(VisualPromptError, match='outside'):
        inferencer(image, boxes=[[0, 0, W + 10, 10]])
    with pytest.raises(VisualPromptError, match='nothing positive'):
        inferencer(image, points=[[3, 3]], point_labels=[0])
    out = inferencer(image, points=[[15, 20]], out_dir=str(tmp_path))
    assert osp.isfile(tmp_path / 'preds' / '0.json')


def test_demo_command_on_a_video_and_with_clicks(checkpoint, clip, tmp_path,
                                                 python_exe, subprocess_env):
    import subprocess
    result = subprocess.run(
        [python_exe, osp.join(ROOT, 'tools', 'glee_demo.py'), clip['video'],
         '--texts', 'square', '--config', TINY_VIDEO, '--checkpoint',
         checkpoint, '--out', str(tmp_path / 'video'), '--score-thr', '0'],
        env=subprocess_env, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f'frame {T - 1}:' in result.stdout
    assert osp.isfile(tmp_path / 'video' / 'clip.mp4')
    result = subprocess.run(
        [python_exe, osp.join(ROOT, 'tools', 'glee_demo.py'), clip['folder'],
         '--video', '--points', '15,20', '--neg-points', '50,40', '--config',
         TINY_VIDEO, '--checkpoint', checkpoint, '--out',
         str(tmp_path / 'vos'), '--score-thr', '0'],
        env=subprocess_env, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert osp.isfile(tmp_path / 'vos' / 'tracks.json')
    result = subprocess.run(
        [python_exe, osp.join(ROOT, 'tools', 'glee_demo.py'),
         str(tmp_path / 'nothing.mp4'), '--texts', 'square', '--config',
         TINY_VIDEO], env=subprocess_env, cwd=ROOT, capture_output=True,
        text=True)
    assert result.returncode != 0 and 'nothing.mp4' in result.stderr
