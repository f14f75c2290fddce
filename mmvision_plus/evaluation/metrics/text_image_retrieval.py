"""Text-to-image person retrieval metric (text-based person search)."""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from mmvision_plus.registry import METRICS
from ..functional.text_image_rank import text_image_rank


@METRICS.register_module()
class TextImageRetrievalMetric(BaseMetric):
    """R@1/5/10, mAP and mINP of text-to-image retrieval.

    Works with the test-mode samples of the PEDES datasets
    (:class:`~mmvision_plus.datasets.CUHKPEDES` and siblings): each sample
    is one gallery image with all its captions. The model's ``predict``
    returns, per sample, the image feature ``(D,)`` and one text feature per
    caption ``(num_captions, D)``; this metric gathers every caption as a
    text query and every image as a gallery item, both labelled by the
    sample's person id, L2-normalises the features, ranks the gallery by
    cosine similarity and applies
    :func:`~mmvision_plus.evaluation.functional.text_image_rank`.

    Several feature sets can be evaluated at once (e.g. global features and
    global features concatenated with local ones). The first set is
    required and reported as ``R1``, ``R5``, ``R10``, ``mAP``, ``mINP``;
    each later set is optional (evaluated when the model outputs it for
    every sample) and reported as ``<name>_R1``, ...

    Args:
        feature_sets (dict[str, tuple[str, str]]): Ordered mapping from a set
            name to the ``(image_key, text_key)`` fields of the prediction.
            Defaults to ``global: (image_feat, text_feats)`` and
            ``global_local: (image_feat_gl, text_feats_gl)``.
        pid_key (str): Prediction field holding the person id (an int or a
            one-element tensor). Defaults to ``'gt_label'``.
        max_rank (int): Largest CMC cut-off. Defaults to 10.
        collect_device (str): Device used to collect results across ranks.
        prefix (str, optional): Prefix of the metric names. Defaults to
            ``'tbps'``.
    """
    default_prefix: Optional[str] = 'tbps'

    def __init__(self,
                 feature_sets: Optional[Dict[str, Tuple[str, str]]] = None,
                 pid_key: str = 'gt_label',
                 max_rank: int = 10,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if feature_sets is None:
            feature_sets = {
                'global': ('image_feat', 'text_feats'),
                'global_local': ('image_feat_gl', 'text_feats_gl'),
            }
        if not feature_sets:
            raise ValueError('feature_sets must name at least one '
                             '(image_key, text_key) pair')
        self.feature_sets: Dict[str, Tuple[str, str]] = {}
        for name, keys in feature_sets.items():
            if len(keys) != 2 or not all(isinstance(k, str) for k in keys):
                raise ValueError(f'feature_sets[{name!r}] must be a pair '
                                 f'(image_key, text_key), got {keys!r}')
            self.feature_sets[name] = tuple(keys)
        self.pid_key = pid_key
        self.max_rank = max_rank

    @staticmethod
    def _pid(value: Any, key: str) -> int:
        pid = torch.as_tensor(value)
        if pid.numel() != 1:
            raise ValueError(f'prediction field {key!r} must hold one person '
                             f'id, got shape {tuple(pid.shape)}')
        return int(pid.reshape(-1)[0])

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store the features and person id of each sample.

        Args:
            data_batch (Any): Unused.
            data_samples (Sequence[dict | BaseDataElement]): The model's
                predictions, one per test sample.
        """
        for sample in data_samples:
            if isinstance(sample, BaseDataElement):
                sample = sample.to_dict()
            if self.pid_key not in sample:
                raise KeyError(f'prediction has no person id field '
                               f'{self.pid_key!r}; fields: {sorted(sample)}')
            result = dict(pid=self._pid(sample[self.pid_key], self.pid_key))
            for name, (image_key, text_key) in self.feature_sets.items():
                present = [k in sample for k in (image_key, text_key)]
                if not any(present):
                    continue
                if not all(present):
                    missing = image_key if not present[0] else text_key
                    raise KeyError(f'feature set {name!r}: prediction has '
                                   f'no field {missing!r}')
                image_feat = torch.as_tensor(sample[image_key]).detach()
                text_feats = torch.as_tensor(sample[text_key]).detach()
                if text_feats.dim() == 1:
                    text_feats = text_feats[None]
                if (image_feat.dim() != 1 or text_feats.dim() != 2
                        or text_feats.shape[1] != image_feat.shape[0]):
                    raise ValueError(
                        f'feature set {name!r}: expected {image_key!r} of '
                        f'shape (D,) and {text_key!r} of shape '
                        f'(num_captions, D), got {tuple(image_feat.shape)} '
                        f'and {tuple(text_feats.shape)}')
                result[name] = (image_feat.float().cpu(),
                                text_feats.float().cpu())
            self.results.append(result)

    def _evaluate_set(self, name: str,
                      results: List[dict]) -> Dict[str, float]:
        """Rank the gallery for every text query of one feature set."""
        image_feats, text_feats, gallery_pids, query_pids = [], [], [], []
        for result in results:
            image_feat, texts = result[name]
            image_feats.append(image_feat)
            text_feats.append(texts)
            gallery_pids.append(result['pid'])
            query_pids.extend([result['pid']] * len(texts))
        gallery = F.normalize(torch.stack(image_feats), dim=1)
        queries = F.normalize(torch.cat(text_feats), dim=1)
        return text_image_rank(queries @ gallery.t(), query_pids,
                               gallery_pids, max_rank=self.max_rank)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the ranking metrics of every available feature set.

        Args:
            results (list[dict]): Processed results of all samples.

        Returns:
            dict[str, float]: ``R1``, ``R5``, ``R10``, ``mAP``, ``mINP`` of
            the first feature set and ``<name>_<metric>`` of later ones.
        """
        if not results:
            raise ValueError(f'{self.__class__.__name__} got no predictions')
        metrics: Dict[str, float] = {}
        for index, name in enumerate(self.feature_sets):
            count = sum(name in result for result in results)
            image_key, text_key = self.feature_sets[name]
            if index == 0 and count == 0:
                raise KeyError(f'feature set {name!r}: predictions have no '
                               f'fields {image_key!r} / {text_key!r}')
            if count == 0:
                continue
            if count != len(results):
                raise ValueError(
                    f'feature set {name!r}: {count} of {len(results)} '
                    f'predictions have {image_key!r} / {text_key!r}; it must '
                    'be all or none')
            values = self._evaluate_set(name, results)
            prefix = '' if index == 0 else f'{name}_'
            metrics.update({prefix + k: v for k, v in values.items()})
        return metrics
