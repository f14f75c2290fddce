"""J&F of video object segmentation (VOS) and referring VOS (R-VOS).

Each ground-truth object of a video (its ``instance_id`` in the frames'
``instances`` metainfo) is compared with the predicted track of the same
id (``pred_track_instances.instances_id``); a video with one object and one
predicted track (R-VOS: one expression, one target) pairs them whatever
their ids. A frame without the prediction (or the object) counts as an
empty mask. Per object, J (region IoU) and F (boundary F-measure, DAVIS's
definition, :mod:`..functional.davis_jf`) are averaged over the evaluated
frames; ``J``, ``F`` are their means over objects and ``J&F`` their
average, as DAVIS reports.

Evaluated frames: ``semi_supervised=True`` (VOS: the object's mask is the
prompt in the frame where it first appears) skips the frames up to and
including that one, and the video's last frame, as the DAVIS 2017
evaluation skips the first and last frames; ``False`` (R-VOS) scores every
frame.
"""
from collections import OrderedDict
from typing import Dict, List

import numpy as np
from mmdet.evaluation.metrics.base_video_metric import BaseVideoMetric

from mmvision_plus.evaluation.functional.davis_jf import (boundary_f,
                                                          region_similarity)
from mmvision_plus.evaluation.functional.rle import segmentation_to_mask
from mmvision_plus.registry import METRICS


@METRICS.register_module()
class VideoObjectSegMetric(BaseVideoMetric):
    """J, F and J&F (prefix ``vos``).

    Args:
        semi_supervised (bool): Skip each object's prompt frame (and the
            frames before it) and the last frame. Default True.
        bound_th (float): Boundary tolerance of F (fraction of the
            diagonal). Default 0.008.
        collect_device, prefix: As mmengine's ``BaseMetric``.
    """

    default_prefix = 'vos'

    def __init__(self, semi_supervised: bool = True, bound_th: float = 0.008,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.semi_supervised = semi_supervised
        self.bound_th = bound_th

    def process_video(self, data_samples: List) -> None:
        """J and F of every object of one whole video."""
        frames = [s.to_dict() if hasattr(s, 'to_dict') else s
                  for s in data_samples]
        gt = {}  # object id -> {frame: mask}
        for t, frame in enumerate(frames):
            h, w = frame['ori_shape']
            for ann in frame.get('instances', []):
                if ann.get('mask') is None or ann.get('ignore_flag', 0):
                    continue
                gt.setdefault(int(ann['instance_id']), {})[t] = \
                    segmentation_to_mask(ann['mask'], h, w)
        preds = {}  # object id -> {frame: mask}
        for t, frame in enumerate(frames):
            pred = frame['pred_track_instances']
            if 'masks' not in pred:
                raise KeyError('VideoObjectSegMetric: predictions without '
                               'masks')
            masks = pred['masks'].cpu().numpy().astype(bool)
            for mask, object_id in zip(masks,
                                       pred['instances_id'].tolist()):
                preds.setdefault(int(object_id), {})[t] = mask
        if len(gt) == 1 and len(preds) == 1:
            preds = {next(iter(gt)): next(iter(preds.values()))}
        num_frames = len(frames)
        for object_id, gt_masks in gt.items():
            first = min(gt_masks)
            frame_ids = range(first + 1, num_frames - 1) \
                if self.semi_supervised else range(num_frames)
            js, fs = [], []
            for t in frame_ids:
                h, w = frames[t]['ori_shape']
                empty = np.zeros((h, w), bool)
                truth = gt_masks.get(t, empty)
                guess = preds.get(object_id, {}).get(t, empty)
                js.append(region_similarity(guess, truth))
                fs.append(boundary_f(guess, truth, self.bound_th))
            if js:
                self.results.append(dict(J=float(np.mean(js)),
                                         F=float(np.mean(fs))))

    def process_image(self, data_samples: List, ori_video_len: int) -> None:
        raise NotImplementedError(
            'VideoObjectSegMetric scores whole videos: use a video test '
            'pipeline (one sample per video)')

    def compute_metrics(self, results: List) -> Dict[str, float]:
        if not results:
            return OrderedDict(J=0.0, F=0.0, **{'J&F': 0.0})
        j = float(np.mean([r['J'] for r in results]))
        f = float(np.mean([r['F'] for r in results]))
        return OrderedDict([('J&F', (j + f) / 2), ('J', j), ('F', f),
                            ('num_objects', len(results))])
