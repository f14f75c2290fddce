"""Monocular depth metrics (Eigen et al. 2014), as in DINOv2's evaluation."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from torch import Tensor

from mmvision_plus.registry import METRICS

DEPTH_METRIC_NAMES = ('abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'log10',
                      'delta1', 'delta2', 'delta3')


def depth_errors(pred: Tensor, gt: Tensor) -> Dict[str, float]:
    """Standard depth errors over matching pixels.

    Args:
        pred (Tensor): Predicted depths of the valid pixels, shape (N,), > 0.
        gt (Tensor): Ground-truth depths of the same pixels, (N,), > 0.

    Returns:
        dict[str, float]: ``abs_rel = mean(|p - g| / g)``,
        ``sq_rel = mean((p - g)^2 / g)``, ``rmse = sqrt(mean((p - g)^2))``,
        ``rmse_log = sqrt(mean((ln p - ln g)^2))``,
        ``log10 = mean(|log10 p - log10 g|)`` and
        ``delta{i} = mean(max(p / g, g / p) < 1.25 ** i)``, i = 1, 2, 3.
    """
    if pred.shape != gt.shape or pred.dim() != 1:
        raise ValueError(f'depth_errors: need two (N,) tensors, got '
                         f'{tuple(pred.shape)} and {tuple(gt.shape)}')
    if pred.numel() == 0:
        raise ValueError('depth_errors: no valid pixels')
    pred, gt = pred.double(), gt.double()
    ratio = torch.maximum(pred / gt, gt / pred)
    diff = pred - gt
    return dict(
        abs_rel=(diff.abs() / gt).mean().item(),
        sq_rel=(diff**2 / gt).mean().item(),
        rmse=diff.pow(2).mean().sqrt().item(),
        rmse_log=(pred.log() - gt.log()).pow(2).mean().sqrt().item(),
        log10=(pred.log10() - gt.log10()).abs().mean().item(),
        delta1=(ratio < 1.25).double().mean().item(),
        delta2=(ratio < 1.25**2).double().mean().item(),
        delta3=(ratio < 1.25**3).double().mean().item())


@METRICS.register_module()
class DepthMetric(BaseMetric):
    """RMSE, abs-rel, delta < 1.25 and the other standard depth metrics.

    Per image, pixels with ``min_depth < gt < max_depth`` (optionally inside
    ``crop``) are valid; predictions are clamped to ``[min_depth,
    max_depth]``; the errors of :func:`depth_errors` are computed over the
    valid pixels and then averaged over the images (the convention of the
    BTS / depth-toolbox evaluation DINOv2 uses). Images with no valid pixel
    are skipped.

    Reads ``pred_depth`` and ``gt_depth`` (PixelData, ``data`` (1, H, W) in
    metres) from every data sample.

    Args:
        min_depth (float): Smallest valid depth. Defaults to 1e-3.
        max_depth (float): Largest valid depth. Defaults to 10 (NYU).
        crop (tuple[int, int, int, int], optional): ``(top, bottom, left,
            right)`` pixel box of the ground truth to evaluate, e.g. NYU's
            Eigen crop ``(45, 471, 41, 601)``. Defaults to the whole image.
        collect_device (str): Device for cross-process collection.
        prefix (str, optional): Prefix of the metric names.
    """

    default_prefix: Optional[str] = None

    def __init__(self,
                 min_depth: float = 1e-3,
                 max_depth: float = 10.,
                 crop: Optional[Tuple[int, int, int, int]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not 0 < min_depth < max_depth:
            raise ValueError('DepthMetric: need 0 < min_depth < max_depth, '
                             f'got {min_depth}, {max_depth}')
        if crop is not None and len(crop) != 4:
            raise ValueError('DepthMetric: crop must be (top, bottom, left, '
                             f'right), got {crop}')
        self.min_depth = min_depth
        self.max_depth = max_depth
        self.crop = crop

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Compute the errors of every image of a batch."""
        for sample in data_samples:
            for key in ('pred_depth', 'gt_depth'):
                if key not in sample:
                    raise KeyError(f'DepthMetric: data sample lacks {key!r}')
            pred = sample['pred_depth']['data'].squeeze(0).float().cpu()
            gt = sample['gt_depth']['data'].squeeze(0).float().cpu()
            if pred.shape != gt.shape:
                raise ValueError(f'DepthMetric: pred_depth {tuple(pred.shape)}'
                                 f' and gt_depth {tuple(gt.shape)} differ')
            valid = (gt > self.min_depth) & (gt < self.max_depth)
            if self.crop is not None:
                top, bottom, left, right = self.crop
                box = torch.zeros_like(valid)
                box[top:bottom, left:right] = True
                valid &= box
            if not valid.any():
                continue
            pred = pred.clamp(self.min_depth, self.max_depth)
            self.results.append(depth_errors(pred[valid], gt[valid]))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Average the per-image errors."""
        if not results:
            raise ValueError('DepthMetric: no image had a valid ground-truth '
                             'pixel')
        return {
            name: float(np.mean([r[name] for r in results]))
            for name in DEPTH_METRIC_NAMES
        }
