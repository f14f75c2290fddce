"""Referring expression comprehension (REC) and segmentation (RES) metrics.

mmdet 3.3.0's ``RefExpMetric`` reads MDETR's converted annotation files
(one annotation per image id, a ``dataset_name`` field) and its
``RefSegMetric`` a ``gt_masks`` field no mmdet pipeline packs; this metric
reads the target from each data sample's ``gt_instances`` (one object per
expression, as ``RefCocoGroundingDataset`` gives) and scores the
top-scoring prediction:

* ``rec_accuracy``: share of expressions whose top box has IoU >= 0.5 with
  the target (Prec@0.5, RefCOCO's REC metric);
* ``res_miou``: mean over expressions of the top mask's IoU;
* ``res_ciou``: cumulative intersection over cumulative union (the
  "overall IoU" GLEE reports for RefCOCO).
"""
from typing import Dict, List, Sequence

import numpy as np
import torch
from mmdet.structures.bbox import bbox_overlaps
from mmengine.evaluator import BaseMetric

from mmvision_plus.registry import METRICS


@METRICS.register_module()
class ReferringExpressionMetric(BaseMetric):
    """REC accuracy and RES mIoU / cIoU of the top prediction.

    Args:
        iou_thr (float): Box IoU for a correct REC prediction. Default 0.5.
        collect_device, prefix: As mmengine's ``BaseMetric``.
    """

    default_prefix = 'refexp'

    def __init__(self, iou_thr: float = 0.5, **kwargs) -> None:
        super().__init__(**kwargs)
        self.iou_thr = iou_thr

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Score each expression's top prediction against its target."""
        for sample in data_samples:
            pred, gt = sample['pred_instances'], sample['gt_instances']
            if len(gt['bboxes']) != 1:
                raise ValueError(
                    f'ReferringExpressionMetric: {sample.get("img_path")}: '
                    f'one target per expression expected, got '
                    f'{len(gt["bboxes"])}')
            result = dict(box_iou=0.0, inter=None, union=None)
            if len(pred['scores']) == 0:
                self.results.append(result)
                continue
            top = int(pred['scores'].argmax())
            gt_box = torch.as_tensor(gt['bboxes'], dtype=torch.float32)
            gt_box = gt_box.reshape(1, 4).to(pred['bboxes'].device)
            result['box_iou'] = float(
                bbox_overlaps(pred['bboxes'][top:top + 1].float(), gt_box))
            if 'masks' in pred and 'masks' in gt:
                pred_mask = pred['masks'][top].bool().cpu()
                gt_mask = torch.from_numpy(
                    gt['masks'].to_ndarray()[0].astype(bool))
                if gt_mask.shape != pred_mask.shape:
                    raise ValueError(
                        f'ReferringExpressionMetric: mask shapes differ: '
                        f'prediction {tuple(pred_mask.shape)}, target '
                        f'{tuple(gt_mask.shape)} (rescale the predictions '
                        'to the original image)')
                result['inter'] = int((pred_mask & gt_mask).sum())
                result['union'] = int((pred_mask | gt_mask).sum())
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Aggregate over expressions.

        Returns:
            dict: ``rec_accuracy``, and when masks were predicted
            ``res_miou`` and ``res_ciou`` (all in [0, 1]).
        """
        metrics = dict(rec_accuracy=float(
            np.mean([r['box_iou'] >= self.iou_thr for r in results])))
        with_mask = [r for r in results if r['union'] is not None]
        if with_mask:
            inter = np.array([r['inter'] for r in with_mask], dtype=float)
            union = np.array([r['union'] for r in with_mask], dtype=float)
            metrics['res_miou'] = float(
                np.mean(np.where(union > 0, inter / np.maximum(union, 1), 0)))
            metrics['res_ciou'] = float(inter.sum() / max(union.sum(), 1))
        return metrics
