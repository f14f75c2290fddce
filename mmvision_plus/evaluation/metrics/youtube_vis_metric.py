"""mmdet's YouTube-VIS AP under numpy 2.

mmdet 3.3.0's ``evaluation/functional/ytviseval.py`` calls
``np.float`` (removed in numpy 2.0) in ``YTVISeval.accumulate``, so its
``YouTubeVISMetric`` crashes once the predictions are matched. This metric
is mmdet's, with that module's ``np`` swapped for a numpy whose ``float``
is Python's ``float`` (what ``np.float`` was an alias of) while the
evaluation runs, and restored afterwards; site-packages stay untouched.

It also survives a second evaluation (validation during training, then
again): mmdet's ``evaluate`` leaves its per-video bookkeeping a plain
``dict`` that the next ``process_video`` cannot extend (``KeyError:
'images'``); it is reset to the ``defaultdict`` it starts as.
"""
import contextlib
from collections import defaultdict
from typing import Dict, Iterator, List

import numpy as np
from mmdet.evaluation.functional import ytviseval
from mmdet.evaluation.metrics import YouTubeVISMetric

from mmvision_plus.registry import METRICS


class _NumpyWithFloatAlias:
    """numpy, plus the ``float`` alias numpy 2 removed."""
    float = float

    def __getattr__(self, name: str):
        return getattr(np, name)


@contextlib.contextmanager
def numpy_float_alias_in_ytviseval() -> Iterator[None]:
    """Run mmdet's ``ytviseval`` with ``np.float`` available (numpy 2)."""
    original = ytviseval.np
    ytviseval.np = _NumpyWithFloatAlias()
    try:
        yield
    finally:
        ytviseval.np = original


@METRICS.register_module()
class NumpyCompatYouTubeVISMetric(YouTubeVISMetric):
    """mmdet's ``YouTubeVISMetric`` (same arguments and results, prefix
    ``youtube_vis``) that also runs under numpy 2."""

    def compute_metrics(self, results: List) -> Dict[str, float]:
        with numpy_float_alias_in_ytviseval():
            return super().compute_metrics(results)

    def evaluate(self, size: int = 1) -> dict:
        try:
            return super().evaluate(size)
        finally:
            self._vis_meta_info = defaultdict(list)
