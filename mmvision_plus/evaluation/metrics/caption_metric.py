"""BLEU and CIDEr-D of generated captions against the samples' references."""
from typing import Any, Dict, List, Optional, Sequence

from mmengine.evaluator import BaseMetric

from mmvision_plus.registry import METRICS
from ..functional.caption_scores import caption_scores
from .image_text_recall import prediction_fields


@METRICS.register_module()
class CaptionBleuCider(BaseMetric):
    """BLEU-1..4 and CIDEr-D (pycocoevalcap's scorers) of ``pred_caption``
    against the reference captions ``gt_caption`` each prediction carries
    (test-mode :class:`~mmvision_plus.datasets.KarpathyImageText`
    samples), so no annotation file is re-read.

    mmpretrain's ``COCOCaption`` metric needs a COCO-format annotation file
    and Java (pycocoevalcap's PTB tokenizer); this one tokenises in Python
    by default (:func:`~mmvision_plus.evaluation.functional.ptb_tokenize`,
    equal to the Java tokenizer on the recorded comparison set) and
    ``tokenizer='java'`` uses pycocoevalcap's Java path.

    Args:
        tokenizer (str): ``'python'`` or ``'java'``. Defaults to
            ``'python'``.
        collect_device (str): Device to gather results on.
        prefix (str, optional): Metric name prefix. Defaults to
            ``'caption'``.
    """
    default_prefix: Optional[str] = 'caption'

    def __init__(self,
                 tokenizer: str = 'python',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if tokenizer not in ('python', 'java'):
            raise ValueError(f"tokenizer must be 'python' or 'java', got "
                             f'{tokenizer!r}')
        self.tokenizer = tokenizer

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        for sample in data_samples:
            sample = prediction_fields(sample, ('pred_caption', 'gt_caption'),
                                       type(self).__name__)
            refs = sample['gt_caption']
            refs = [refs] if isinstance(refs, str) else list(refs)
            self.results.append(dict(pred=str(sample['pred_caption']),
                                     refs=refs))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """``Bleu_1`` ... ``Bleu_4`` and ``CIDEr`` (fractions)."""
        predictions = {str(i): r['pred'] for i, r in enumerate(results)}
        references = {str(i): r['refs'] for i, r in enumerate(results)}
        return caption_scores(predictions, references, self.tokenizer)
