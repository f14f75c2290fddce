"""Interactive segmentation with simulated clicks: mean IoU after k clicks
(mIoU@k, reported as ``mIoU_k``) and NoC@IoU (number of clicks to reach the
IoU, capped at the budget; ``NoC_85`` for NoC@85): no ``@`` in the names,
which ``tools/analysis_tools/run_table.py`` reads as a training step.

Reads ``pred_instances.click_ious`` (G, max_clicks): the IoU with each of
the image's G objects after every click, as
``InteractiveSegTestLoop`` writes them.
"""
from collections import OrderedDict
from typing import Dict, List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmvision_plus.evaluation.functional.click_simulation import \
    number_of_clicks
from mmvision_plus.registry import METRICS


@METRICS.register_module()
class InteractiveSegMetric(BaseMetric):
    """``mIoU_k`` for each k of ``num_clicks`` and ``NoC_t`` (t in
    percent) for each threshold (prefix ``interactive``).

    Args:
        num_clicks (Sequence[int]): Click counts of the mean IoU. Default
            (1, 3, 5).
        noc_thrs (Sequence[float]): IoU thresholds of NoC. Default
            (0.85, 0.9).
        collect_device, prefix: As mmengine's ``BaseMetric``.
    """

    default_prefix = 'interactive'

    def __init__(self, num_clicks: Sequence[int] = (1, 3, 5),
                 noc_thrs: Sequence[float] = (0.85, 0.9), **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_clicks = tuple(num_clicks)
        self.noc_thrs = tuple(noc_thrs)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample['pred_instances']
            if 'click_ious' not in pred:
                raise KeyError(
                    'InteractiveSegMetric: no pred_instances.click_ious '
                    "(test with test_cfg = dict(type="
                    "'InteractiveSegTestLoop'))")
            for ious in np.asarray(pred['click_ious'].cpu()):
                if len(ious) < max(self.num_clicks):
                    raise ValueError(
                        f'InteractiveSegMetric: {len(ious)} clicks '
                        f'simulated, mIoU@{max(self.num_clicks)} asked')
                self.results.append(ious.astype(np.float64))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        ious = np.stack(results) if results else np.zeros(
            (0, max(self.num_clicks)))
        out = OrderedDict()
        for k in self.num_clicks:
            out[f'mIoU_{k}'] = float(ious[:, k - 1].mean()) if len(ious) \
                else 0.0
        for thr in self.noc_thrs:
            out[f'NoC_{round(thr * 100)}'] = float(np.mean(
                [number_of_clicks(row, thr) for row in ious])) if len(
                    ious) else 0.0
        out['num_objects'] = len(ious)
        return out
