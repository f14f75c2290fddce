"""Mean intersection-over-union for semantic segmentation."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from torch import Tensor

from mmvision_plus.registry import METRICS


def intersect_and_union(pred: Tensor, label: Tensor, num_classes: int,
                        ignore_index: int = 255) -> Tensor:
    """Per-class pixel areas of one image.

    Args:
        pred (Tensor): Predicted labels, any shape.
        label (Tensor): Ground-truth labels, same shape as ``pred``.
        num_classes (int): Number of classes.
        ignore_index (int): Ground-truth label whose pixels are skipped.

    Returns:
        Tensor: Shape (4, num_classes), int64 rows: intersection, union,
        predicted area, label area (over the non-ignored pixels).
    """
    if pred.shape != label.shape:
        raise ValueError(f'intersect_and_union: pred shape '
                         f'{tuple(pred.shape)} != label shape '
                         f'{tuple(label.shape)}')
    keep = label != ignore_index
    pred = pred[keep].long()
    label = label[keep].long()
    if label.numel() and (label.min() < 0 or label.max() >= num_classes):
        raise ValueError(f'intersect_and_union: ground-truth labels outside '
                         f'[0, {num_classes}) besides ignore_index '
                         f'{ignore_index}')
    valid_pred = (pred >= 0) & (pred < num_classes)
    area_pred = torch.bincount(pred[valid_pred], minlength=num_classes)
    area_label = torch.bincount(label, minlength=num_classes)
    area_inter = torch.bincount(label[pred == label], minlength=num_classes)
    area_union = area_pred + area_label - area_inter
    return torch.stack([area_inter, area_union, area_pred, area_label])


@METRICS.register_module()
class MeanIoUMetric(BaseMetric):
    """Dataset-level IoU per class, mIoU, mean accuracy and pixel accuracy.

    Areas are summed over the whole dataset before dividing (as mmseg's
    ``IoUMetric``): ``IoU_c = sum(I_c) / sum(U_c)``. Classes that appear in
    neither the ground truth nor the predictions have no IoU and are left
    out of the mean. Results are percentages.

    Reads ``pred_sem_seg`` and ``gt_sem_seg`` (PixelData with ``data`` of
    shape (1, H, W)) from every data sample.

    Args:
        ignore_index (int): Ground-truth label to skip. Defaults to 255.
        num_classes (int, optional): Defaults to the length of
            ``dataset_meta['classes']``.
        collect_device (str): Device for cross-process collection.
        prefix (str, optional): Prefix of the metric names.
    """

    default_prefix: Optional[str] = None

    def __init__(self,
                 ignore_index: int = 255,
                 num_classes: Optional[int] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ignore_index = ignore_index
        self._num_classes = num_classes

    @property
    def num_classes(self) -> int:
        """Number of classes, from the argument or the dataset meta."""
        if self._num_classes is not None:
            return self._num_classes
        if not self.dataset_meta or 'classes' not in self.dataset_meta:
            raise ValueError('MeanIoUMetric: give num_classes or evaluate a '
                             "dataset whose metainfo has 'classes'")
        return len(self.dataset_meta['classes'])

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Accumulate the areas of a batch."""
        for sample in data_samples:
            for key in ('pred_sem_seg', 'gt_sem_seg'):
                if key not in sample:
                    raise KeyError(f'MeanIoUMetric: data sample lacks {key!r}')
            pred = sample['pred_sem_seg']['data'].squeeze(0).cpu()
            label = sample['gt_sem_seg']['data'].squeeze(0).cpu()
            self.results.append(
                intersect_and_union(pred, label, self.num_classes,
                                    self.ignore_index))

    def compute_metrics(self, results: List[Tensor]) -> Dict[str, float]:
        """mIoU, mAcc, aAcc and per-class IoU (percent)."""
        inter, union, _, label = torch.stack(results).sum(0).double()
        with np.errstate(divide='ignore', invalid='ignore'):
            iou = (inter / union).numpy()
            acc = (inter / label).numpy()
        metrics = dict(
            mIoU=float(np.nanmean(iou) * 100),
            mAcc=float(np.nanmean(acc) * 100),
            aAcc=float(inter.sum() / label.sum().clamp(min=1) * 100))
        classes = (self.dataset_meta or {}).get(
            'classes', [str(i) for i in range(self.num_classes)])
        lines = ['per-class IoU (%):']
        for name, value in zip(classes, iou):
            lines.append(f'  {name:<20s} {value * 100:6.2f}')
            metrics[f'IoU.{name}'] = float(value * 100)
        MMLogger.get_current_instance().info('\n'.join(lines))
        return metrics
