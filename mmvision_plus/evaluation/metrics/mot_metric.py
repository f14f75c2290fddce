"""HOTA, CLEAR (MOTA) and Identity (IDF1) metrics with the PyPI
``trackeval`` package.

mmdet's ``MOTChallengeMetric`` writes MOTChallenge text files (pedestrians,
``seqinfo.ini``, a fixed benchmark list) and reads them back through
``trackeval``'s ``MotChallenge2DBox`` dataset, and its install note asks
for TrackEval from git with an old numpy. This metric keeps the video in
memory and feeds ``trackeval``'s metric classes (``HOTA``, ``CLEAR``,
``Identity``: ``trackeval==1.3.0`` from PyPI runs under numpy 2) directly
with each sequence's ids and per-frame similarities, so any
mmdet video dataset (YouTube-VIS / CocoVID layout) can be scored.

Tracking is scored class-agnostically (all objects of a frame together,
MOTChallenge style); the similarity is box IoU (``iou_type='bbox'``,
default) or mask IoU (``'segm'``). Predictions below ``score_thr`` (on
``frame_scores`` when the tracker gives them, else ``scores``) are not
counted.
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
import pycocotools.mask as mask_utils
from mmdet.evaluation.metrics.base_video_metric import BaseVideoMetric
from mmdet.structures.mask import encode_mask_results

from mmvision_plus.evaluation.functional.rle import segmentation_to_rle
from mmvision_plus.registry import METRICS

MOT_METRICS = ('HOTA', 'CLEAR', 'Identity')


def _box_xywh(boxes: np.ndarray) -> np.ndarray:
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    return np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], 1)


def sequence_data(gt_frames: Sequence[dict],
                  pred_frames: Sequence[dict]) -> dict:
    """One video in ``trackeval``'s per-sequence format.

    Args:
        gt_frames (Sequence[dict]): Per frame ``ids`` (n, ) and ``regions``
            (boxes xyxy (n, 4), or a list of n RLEs).
        pred_frames (Sequence[dict]): The same for the predictions.

    Returns:
        dict: ``num_timesteps``, ``num_gt_ids``, ``num_tracker_ids``,
        ``num_gt_dets``, ``num_tracker_dets``, ``gt_ids``, ``tracker_ids``
        (per frame, ids remapped to 0..n-1) and ``similarity_scores``
        (per frame (n_gt, n_pred) IoU).
    """
    def remap(frames):
        ids = sorted({int(i) for f in frames for i in f['ids']})
        index = {v: k for k, v in enumerate(ids)}
        return [np.array([index[int(i)] for i in f['ids']], np.int64)
                for f in frames], len(ids)

    gt_ids, num_gt_ids = remap(gt_frames)
    tracker_ids, num_tracker_ids = remap(pred_frames)
    similarities = []
    for gt, pred in zip(gt_frames, pred_frames):
        if len(gt['ids']) == 0 or len(pred['ids']) == 0:
            similarities.append(np.zeros((len(gt['ids']), len(pred['ids']))))
            continue
        if isinstance(gt['regions'], list):
            iou = mask_utils.iou(pred['regions'], gt['regions'],
                                 [0] * len(gt['regions']))
        else:
            iou = mask_utils.iou(_box_xywh(pred['regions']),
                                 _box_xywh(gt['regions']),
                                 [0] * len(gt['regions']))
        similarities.append(np.asarray(iou, np.float64).T)
    return dict(
        num_timesteps=len(gt_frames),
        num_gt_ids=num_gt_ids,
        num_tracker_ids=num_tracker_ids,
        num_gt_dets=sum(len(f['ids']) for f in gt_frames),
        num_tracker_dets=sum(len(f['ids']) for f in pred_frames),
        gt_ids=gt_ids,
        tracker_ids=tracker_ids,
        similarity_scores=similarities)


@METRICS.register_module()
class TrackEvalMOTMetric(BaseVideoMetric):
    """HOTA / DetA / AssA, MOTA / IDSW and IDF1 of whole videos.

    Ground truth: each frame's ``instances`` metainfo (mmdet's
    ``PackTrackInputs``: ``bbox`` xyxy, ``instance_id``, ``mask``,
    ``ignore_flag``) in the original frame; predictions: the frames'
    ``pred_track_instances`` (``bboxes``, ``instances_id``, ``masks`` for
    ``'segm'``, ``scores`` / ``frame_scores``).

    Args:
        metric (Sequence[str]): Any of ``'HOTA'``, ``'CLEAR'``,
            ``'Identity'``. Default all.
        iou_type (str): ``'bbox'`` (default) or ``'segm'``.
        score_thr (float): Predictions below it are dropped. Default 0.3.
        collect_device, prefix: As mmengine's ``BaseMetric``.

    Results (prefix ``mot``): ``HOTA``, ``DetA``, ``AssA``, ``MOTA``,
    ``IDSW``, ``IDF1`` (those of the chosen metrics).
    """

    default_prefix: Optional[str] = 'mot'

    def __init__(self,
                 metric: Sequence[str] = MOT_METRICS,
                 iou_type: str = 'bbox',
                 score_thr: float = 0.3,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        metric = [metric] if isinstance(metric, str) else list(metric)
        unknown = set(metric) - set(MOT_METRICS)
        if unknown or not metric:
            raise KeyError(f'TrackEvalMOTMetric: metric must be among '
                           f'{MOT_METRICS}, got {metric}')
        if iou_type not in ('bbox', 'segm'):
            raise KeyError("TrackEvalMOTMetric: iou_type is 'bbox' or "
                           f"'segm', got {iou_type!r}")
        self.metrics = metric
        self.iou_type = iou_type
        self.score_thr = score_thr

    def _gt_frame(self, frame: dict) -> dict:
        anns = [a for a in frame.get('instances', [])
                if not a.get('ignore_flag', 0)]
        ids = np.array([a['instance_id'] for a in anns], np.int64)
        if self.iou_type == 'bbox':
            regions = np.array([a['bbox'] for a in anns],
                               np.float64).reshape(-1, 4)
        else:
            h, w = frame['ori_shape']
            regions = [segmentation_to_rle(a['mask'], h, w) for a in anns]
        return dict(ids=ids, regions=regions)

    def _pred_frame(self, frame: dict) -> dict:
        pred = frame['pred_track_instances']
        scores = pred.get('frame_scores', pred['scores'])
        keep = (scores >= self.score_thr).cpu().numpy()
        ids = pred['instances_id'].cpu().numpy()[keep]
        if self.iou_type == 'bbox':
            regions = pred['bboxes'].cpu().numpy()[keep].reshape(-1, 4)
        else:
            regions = encode_mask_results(
                pred['masks'][keep].cpu().numpy()) if keep.any() else []
        return dict(ids=ids, regions=list(regions) if self.iou_type ==
                    'segm' else regions)

    def process_video(self, data_samples: List) -> None:
        """Keep one whole video's ground truth and tracks."""
        frames = [s.to_dict() if hasattr(s, 'to_dict') else s
                  for s in data_samples]
        self.results.append(dict(
            gt=[self._gt_frame(f) for f in frames],
            pred=[self._pred_frame(f) for f in frames]))

    def process_image(self, data_samples: List, ori_video_len: int) -> None:
        raise NotImplementedError(
            'TrackEvalMOTMetric scores whole videos: use a video test '
            'pipeline (one sample per video), not frame-by-frame sampling')

    def compute_metrics(self, results: List) -> Dict[str, float]:
        """Evaluate every video with ``trackeval`` and combine them."""
        import trackeval
        config = dict(PRINT_CONFIG=False)
        evaluators = dict(
            HOTA=trackeval.metrics.HOTA(),
            CLEAR=trackeval.metrics.CLEAR(config),
            Identity=trackeval.metrics.Identity(config))
        out = OrderedDict()
        for name in self.metrics:
            evaluator = evaluators[name]
            per_video = {
                str(i): evaluator.eval_sequence(
                    sequence_data(r['gt'], r['pred']))
                for i, r in enumerate(results)
            }
            combined = evaluator.combine_sequences(per_video)
            if name == 'HOTA':
                for key in ('HOTA', 'DetA', 'AssA'):
                    out[key] = float(np.mean(combined[key]))
            elif name == 'CLEAR':
                out['MOTA'] = float(combined['MOTA'])
                out['IDSW'] = float(combined['IDSW'])
            else:
                out['IDF1'] = float(combined['IDF1'])
        return out
