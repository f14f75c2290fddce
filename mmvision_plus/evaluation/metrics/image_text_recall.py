"""Recall@K of retrieval predictions (the metric of the retrieval loops)."""
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from mmvision_plus.registry import METRICS


def prediction_fields(sample: Any, keys: Sequence[str], owner: str) -> dict:
    """A prediction as a dict, checked to hold ``keys``.

    Raises:
        KeyError: Naming ``owner``, the missing field and those present.
    """
    if isinstance(sample, BaseDataElement):
        sample = sample.to_dict()
    for key in keys:
        if key not in sample:
            raise KeyError(f'{owner}: prediction has no {key!r} field; '
                           f'fields: {sorted(sample)}')
    return sample


@METRICS.register_module()
class ImageTextRecall(BaseMetric):
    """R@K of retrieval predictions: a query is correct at K if one of its
    ground-truth items (``gt_label``: gallery indices) is among the K best
    of its ``pred_score`` (ties: the lower gallery index first, as in
    :func:`~mmvision_plus.evaluation.functional.image_text_recall`).

    It plugs into mmpretrain's ``RetrievalValLoop`` / ``RetrievalTestLoop``
    as mmpretrain's ``RetrievalRecall`` does (the same numbers; mmpretrain's
    metric calls ``np.in1d``, which numpy 2 removed, so it fails on this
    stack). The names are ``retrieval/R1``, ``retrieval/R5``, ... (prefixed
    ``i2t/`` and ``t2i/`` by the loops), like the house's other retrieval
    metrics; ``@`` would clash with the ``METRIC@STEP`` syntax of the
    results records.

    Args:
        topk (int | Sequence[int]): Cut-offs. Defaults to (1, 5, 10).
        collect_device (str): Device to gather results on.
        prefix (str, optional): Metric name prefix. Defaults to
            ``'retrieval'``.
    """
    default_prefix: Optional[str] = 'retrieval'

    def __init__(self,
                 topk: Union[int, Sequence[int]] = (1, 5, 10),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = (topk, ) if isinstance(topk, int) else tuple(topk)
        if not self.topk or min(self.topk) < 1:
            raise ValueError(f'topk must be positive ints, got {topk!r}')

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store each query's rank of its best-ranked ground truth."""
        for sample in data_samples:
            sample = prediction_fields(sample, ('pred_score', 'gt_label'),
                                       type(self).__name__)
            score = torch.as_tensor(sample['pred_score']).reshape(-1)
            gt = torch.as_tensor(sample['gt_label']).reshape(-1).long()
            if gt.numel() == 0:
                raise ValueError('ImageTextRecall: a query has no ground '
                                 'truth')
            order = torch.sort(score, descending=True, stable=True).indices
            is_gt = torch.isin(order, gt.to(order.device))
            self.results.append(int(is_gt.float().argmax()))

    def compute_metrics(self, results: List[int]) -> Dict[str, float]:
        """``R{K}`` in percent."""
        ranks = torch.tensor(results)
        return {
            f'R{k}': float((ranks < k).double().mean() * 100)
            for k in self.topk
        }
