"""GLEE on a user's video: tracking (class names), referring VOS (one
expression) or VOS (a visual prompt on the first frame)::

    from mmvision_plus.apis import GLEEVideoInferencer
    vis = 'glee_r18_demo_1xb2-4e_demo-world-vis'
    glee = GLEEVideoInferencer(f'configs/glee/{vis}.py',
                               checkpoint=f'work_dirs/{vis}/epoch_4.pth')
    out = glee('clip.mp4', texts=['circle', 'star'], out_dir='vis/')
    out = glee('frames/', texts=['the red star'], task='grounding')
    out = glee('clip.mp4', points=[[40, 60]])  # VOS from a click
    out['frames'][t]  # instances_id, labels, label_names, scores, bboxes,
                      # masks

A video is a folder of frames (sorted by name) or a file OpenCV can read.
Any GLEE config works: an image config's model runs as ``GLEEVideo``
(same weights) on mmdet's video batches. The drawn frames go to
``out_dir/frames/`` and ``out_dir/<video>.mp4`` (mmdet's
``DetLocalVisualizer``, one colour and name ``<label> #<id>`` per
identity; mmdet's ``TrackLocalVisualizer`` needs seaborn for its colours).
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import cv2
import mmcv
import mmengine
import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmdet.visualization import DetLocalVisualizer
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint
from mmengine.structures import InstanceData
from pycocotools import mask as mask_utils

from mmvision_plus.models.layers.glee_visual_prompt import VisualPrompt
from mmvision_plus.registry import MODELS
from .glee_inferencer import resolve_prompts

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


class VideoReadError(OSError):
    """A video file or frames folder that cannot be read."""


def read_video(source: str) -> List[np.ndarray]:
    """The frames (BGR, (H, W, 3) uint8) of a video file or a folder.

    Raises:
        VideoReadError: Missing, unreadable or empty, naming ``source``.
    """
    if osp.isdir(source):
        names = sorted(f for f in os.listdir(source)
                       if f.lower().endswith(IMAGE_EXTENSIONS))
        frames = []
        for name in names:
            frame = cv2.imread(osp.join(source, name), cv2.IMREAD_COLOR)
            if frame is None:
                raise VideoReadError(f'cannot read frame '
                                     f'{osp.join(source, name)}')
            frames.append(frame)
        if not frames:
            raise VideoReadError(f'{source}: no image frames in the folder')
        return frames
    if not osp.isfile(source):
        raise VideoReadError(f'{source}: no such video file or folder')
    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        raise VideoReadError(f'{source}: OpenCV cannot open this video')
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    if not frames:
        raise VideoReadError(f'{source}: OpenCV read no frame from this '
                             'video')
    return frames


def _test_resize(cfg: Config) -> dict:
    """The ``Resize`` of the config's test pipeline (image or video)."""
    stack = list(cfg.test_dataloader.dataset.pipeline)
    while stack:
        transform = stack.pop(0)
        if transform['type'].split('.')[-1] == 'Resize':
            return dict(transform)
        stack = list(transform.get('transforms', [])) + stack
    raise ValueError('GLEEVideoInferencer: the config\'s test pipeline has '
                     'no Resize')


class GLEEVideoInferencer:
    """Tracks of the prompted objects through a video.

    Args:
        config (str | Config): A GLEE config (image or video).
        checkpoint (str, optional): Its weights. None: random weights.
        device (str, optional): Default: CUDA if available, else CPU.
    """

    def __init__(self, config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: Optional[str] = None) -> None:
        cfg = Config.fromfile(config) if isinstance(config, str) else config
        model_cfg = cfg.model.copy()
        if model_cfg['type'] in ('GLEE', 'mmvision_plus.GLEE'):
            model_cfg['type'] = 'GLEEVideo'
            model_cfg['data_preprocessor'] = dict(
                model_cfg['data_preprocessor'], type='TrackDataPreprocessor')
        with DefaultScope.overwrite_default_scope('mmvision_plus'):
            self.model = MODELS.build(model_cfg)
        if checkpoint is not None:
            load_checkpoint(self.model, checkpoint, map_location='cpu')
        self.device = device or ('cuda' if torch.cuda.is_available() else
                                 'cpu')
        self.model.to(self.device).eval()
        self.pipeline = self._build_pipeline(cfg)
        self.visualizer = DetLocalVisualizer()

    @staticmethod
    def _build_pipeline(cfg: Config) -> Compose:
        with DefaultScope.overwrite_default_scope('mmvision_plus'):
            return Compose([
                dict(type='TransformBroadcaster',
                     transforms=[
                         dict(type='LoadImageFromNDArray'),
                         _test_resize(cfg)
                     ]),
                dict(type='PackTrackInputs',
                     meta_keys=('text', 'task', 'dn_table', 'visual_prompt'))
            ])

    def __call__(self,
                 video: Union[str, Sequence[np.ndarray]],
                 texts: Optional[Sequence[str]] = None,
                 task: str = 'instance',
                 points: Optional[Sequence] = None,
                 point_labels: Optional[Sequence[int]] = None,
                 boxes: Optional[Sequence] = None,
                 scribbles: Optional[Sequence] = None,
                 scribble_labels: Optional[Sequence[int]] = None,
                 mask: Optional[np.ndarray] = None,
                 out_dir: str = '',
                 score_thr: float = 0.3,
                 fps: float = 10.0) -> Dict:
        """Track the prompted objects.

        Args:
            video (str | Sequence[np.ndarray]): A video file, a folder of
                frames, or the frames (BGR).
            texts (Sequence[str], optional): Class names (tracking), or one
                expression with ``task='grounding'`` (R-VOS).
            task (str): ``'instance'`` (default), ``'det'``,
                ``'open_world'`` or ``'grounding'``; a visual prompt makes
                it ``'interactive'`` (VOS).
            points, point_labels, boxes, scribbles, scribble_labels, mask:
                A visual prompt on the first frame (see
                ``GLEEInferencer``).
            out_dir (str): Where to write ``frames/<t>.jpg``,
                ``<video>.mp4`` and ``tracks.json``; '' writes nothing.
            score_thr (float): Minimum score drawn and listed.
            fps (float): Frame rate of the written video.

        Returns:
            dict: ``frames``: per frame the kept objects (``instances_id``,
            ``labels``, ``label_names``, ``scores``, ``bboxes``, ``masks``
            as COCO RLE); ``data_samples``: the ``TrackDataSample``.

        Raises:
            VideoReadError: A video that cannot be read.
            EmptyPromptError: No class names, expression or visual prompt.
            VisualPromptError: A visual prompt outside the first frame.
        """
        frames = read_video(video) if isinstance(video, str) else list(video)
        visual = VisualPrompt.from_inputs(points, point_labels, boxes,
                                          scribbles, scribble_labels, mask)
        if visual is not None:
            visual.validate(frames[0].shape[:2])
        texts, task = resolve_prompts(texts, task, visual,
                                      self.model.text_encoder,
                                      type(self).__name__)
        num = len(frames)
        packed = self.pipeline(dict(
            img=frames, img_id=list(range(num)), frame_id=list(range(num)),
            ori_video_length=[num] * num, video_length=[num] * num,
            text=[texts] * num, task=[task] * num, dn_table=[None] * num,
            visual_prompt=[visual] + [None] * (num - 1)))
        with torch.no_grad():
            data = self.model.data_preprocessor(
                dict(inputs=[packed['inputs']],
                     data_samples=[packed['data_samples']]), False)
            video_sample = self.model.predict(data['inputs'],
                                              data['data_samples'])[0]
        results = [self._frame_dict(s, texts, score_thr)
                   for s in video_sample.video_data_samples]
        if out_dir:
            name = osp.splitext(osp.basename(osp.normpath(video)))[0] \
                if isinstance(video, str) else 'video'
            self._write(frames, video_sample, texts, out_dir, name,
                        score_thr, fps)
            mmengine.dump(results, osp.join(out_dir, 'tracks.json'))
        return dict(frames=results, data_samples=video_sample)

    @staticmethod
    def _frame_dict(sample, texts: tuple, score_thr: float) -> Dict:
        pred = sample.pred_track_instances
        pred = pred[pred.scores >= score_thr].cpu()
        out = dict(
            instances_id=pred.instances_id.tolist(),
            labels=pred.labels.tolist(),
            label_names=[texts[i] for i in pred.labels.tolist()],
            scores=pred.scores.tolist(),
            bboxes=pred.bboxes.tolist())
        if 'masks' in pred:
            rles = [mask_utils.encode(np.asfortranarray(m))
                    for m in pred.masks.numpy().astype(np.uint8)]
            out['masks'] = [dict(r, counts=r['counts'].decode())
                            for r in rles]
        return out

    def _write(self, frames: List[np.ndarray], video_sample, texts: tuple,
               out_dir: str, name: str, score_thr: float,
               fps: float) -> None:
        """Drawn frames (one colour and name per identity) and the video."""
        kept = []
        for sample in video_sample.video_data_samples:
            pred = sample.pred_track_instances.cpu()
            kept.append(pred[pred.scores >= score_thr])
        identities = sorted({(int(i), int(label)) for pred in kept
                             for i, label in zip(pred.instances_id,
                                                 pred.labels)})
        index = {key: k for k, key in enumerate(identities)}
        self.visualizer.dataset_meta = dict(
            classes=[f'{texts[label]} #{i}' for i, label in identities],
            palette=[tuple(int(c) for c in np.random.RandomState(
                i % 2**32).randint(0, 256, 3)) for i, _ in identities])
        frame_dir = osp.join(out_dir, 'frames')
        os.makedirs(frame_dir, exist_ok=True)
        height, width = frames[0].shape[:2]
        writer = cv2.VideoWriter(osp.join(out_dir, name + '.mp4'),
                                 cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                 (width, height))
        try:
            for t, (frame, pred) in enumerate(zip(frames, kept)):
                drawn = DetDataSample()
                drawn.pred_instances = InstanceData(
                    bboxes=pred.bboxes, scores=pred.scores,
                    labels=torch.tensor(
                        [index[(int(i), int(label))] for i, label in zip(
                            pred.instances_id, pred.labels)],
                        dtype=torch.long))
                if 'masks' in pred:
                    drawn.pred_instances.masks = pred.masks
                path = osp.join(frame_dir, f'{t:05d}.jpg')
                self.visualizer.add_datasample(
                    f'{name}_{t}', mmcv.bgr2rgb(frame), drawn,
                    draw_gt=False, out_file=path, pred_score_thr=score_thr)
                writer.write(cv2.imread(path))
        finally:
            writer.release()
