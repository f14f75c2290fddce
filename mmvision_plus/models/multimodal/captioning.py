"""Captioning predictions of the image-text models (BLIP, CoCa)."""
from typing import List, Optional, Sequence

from mmpretrain.structures import DataSample


def attach_captions(captions: Sequence[str],
                    data_samples: Optional[List[DataSample]] = None
                    ) -> List[DataSample]:
    """``pred_caption`` on each data sample (new samples when None): what
    the caption metric (``CaptionBleuCider``) compares with the samples'
    ``gt_caption``."""
    if data_samples is None:
        data_samples = [DataSample() for _ in captions]
    if len(data_samples) != len(captions):
        raise ValueError(f'{len(captions)} captions for '
                         f'{len(data_samples)} data samples')
    for sample, caption in zip(data_samples, captions):
        sample.pred_caption = caption
    return data_samples
