"""Average image-to-text and text-to-image retrieval metrics."""
import re
from typing import Dict, Optional

from mmengine.hooks import Hook

from mmvision_plus.registry import HOOKS

#: Names of recall metrics (ours ``R1``, mmpretrain's ``Recall@1``).
RECALL_NAME = re.compile(r'(^|/)(R\d+|Recall@\d+)$')


def add_retrieval_means(metrics: Dict[str, float]) -> Dict[str, float]:
    """Add the mean of both retrieval directions to a metrics dict.

    mmpretrain's ``RetrievalValLoop`` / ``RetrievalTestLoop`` report each
    metric per direction (``i2t/retrieval/R1``, ``t2i/retrieval/R1``, ...;
    mmpretrain's own metric names them ``Recall@1``). For every name
    present in both directions this adds ``mean/<name>``, and ``r_mean``,
    the mean of all the per-direction recalls (the "R_mean" of ALBEF /
    BLIP: with R@1/5/10 the mean of six numbers).

    Args:
        metrics (dict[str, float]): Modified in place.

    Returns:
        dict[str, float]: ``metrics``.
    """
    names = [key[len('i2t/'):] for key in metrics if key.startswith('i2t/')]
    pairs = [name for name in names if f't2i/{name}' in metrics]
    for name in pairs:
        metrics[f'mean/{name}'] = (metrics[f'i2t/{name}'] +
                                   metrics[f't2i/{name}']) / 2
    recalls = [metrics[f'{d}/{name}'] for name in pairs
               if RECALL_NAME.search(name) for d in ('i2t', 't2i')]
    if recalls:
        metrics['r_mean'] = sum(recalls) / len(recalls)
    return metrics


@HOOKS.register_module()
class RetrievalMeanHook(Hook):
    """Add :func:`add_retrieval_means` to the validation / test metrics.

    It runs first (priority ``HIGHEST``), so the logger, the message hub
    (``RuntimeInfoHook``) and best-checkpoint saving (``CheckpointHook``
    with ``save_best='r_mean'``) all see the means, and the dict returned
    by ``runner.val()`` / ``runner.test()`` holds them.
    """

    priority = 'HIGHEST'

    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        if metrics is not None:
            add_retrieval_means(metrics)

    def after_test_epoch(self, runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        if metrics is not None:
            add_retrieval_means(metrics)
