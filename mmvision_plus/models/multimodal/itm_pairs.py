"""The image-text pairs of an ITM batch with hard negatives (ALBEF, BLIP,
VLMo, BEiT-3's fusion classifier)."""
from typing import Optional, Tuple

import torch
from torch import Tensor

from mmvision_plus.models.losses import sample_itm_negatives


@torch.no_grad()
def itm_pairs(sim_i2t: Tensor,
              image_ids: Tensor,
              generator: Optional[torch.Generator] = None
              ) -> Tuple[Tensor, Tensor, Tensor]:
    """Every positive pair of a batch plus, per pair, a hard negative image
    for its text and a hard negative text for its image (sampled from the
    ITC similarity, never a caption of the same image).

    Args:
        sim_i2t (Tensor): Image-to-text logits of the B pairs (B, B).
        image_ids (Tensor): Image id of each pair (B,).
        generator (torch.Generator, optional): Random generator.

    Returns:
        tuple[Tensor, Tensor, Tensor]: Image index (3B,) and text index
        (3B,) of each pair into the batch, in the order positives, (negative
        image, text), (image, negative text); and the ITM labels (3B,): 1
        for the B positives, 0 for the 2B negatives.
    """
    batch = sim_i2t.size(0)
    neg_image, neg_text = sample_itm_negatives(sim_i2t, sim_i2t.t(),
                                               image_ids, generator)
    own = torch.arange(batch, device=sim_i2t.device)
    labels = torch.cat([torch.ones(batch, dtype=torch.long),
                        torch.zeros(2 * batch, dtype=torch.long)])
    return (torch.cat([own, neg_image, own]),
            torch.cat([own, own, neg_text]), labels.to(sim_i2t.device))
