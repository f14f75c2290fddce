"""Image-text matching (ITM) loss and its hard-negative sampling (ALBEF,
BLIP, VLMo).

ITM is a 2-way classification (0 = not matched, 1 = matched) of the fused
representation of an image-text pair. Every positive pair of a batch gets
two negatives (ALBEF, Li et al. 2021): for each text a hard negative image
and for each image a hard negative text, drawn with probability
``softmax(similarity / T)`` over the batch, where the positive and every
other caption of the same image have probability zero. A caption of the
same image is a true match, so it can never serve as a negative.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from mmvision_plus.registry import MODELS
from .base_loss import BaseLoss, check_logits_and_labels


def hard_negative_weights(logits: Tensor, query_ids: Tensor,
                          key_ids: Tensor) -> Tensor:
    """Sampling weights of hard negatives: softmax with positives zeroed.

    Args:
        logits (Tensor): Similarity / temperature of each query to each key,
            shape (B, N).
        query_ids (Tensor): Image id of each query, shape (B,).
        key_ids (Tensor): Image id of each key, shape (N,).

    Returns:
        Tensor: Non-negative weights (B, N), zero wherever the key shows the
        query's image. A row whose remaining softmax mass underflowed to
        zero is spread uniformly over its valid negatives.

    Raises:
        ValueError: If a query has no key of another image (no negative
            exists, e.g. a batch holding captions of one image only).
    """
    same = query_ids.reshape(-1, 1) == key_ids.reshape(1, -1)
    valid = ~same
    if not bool(valid.any(dim=1).all()):
        row = int((~valid.any(dim=1)).nonzero()[0])
        raise ValueError(
            f'ITM hard negatives: query {row} (image id '
            f'{int(query_ids.reshape(-1)[row])}) has no key of another '
            'image; a batch needs at least two distinct images')
    weights = F.softmax(logits.detach().float(), dim=1).masked_fill(same, 0)
    empty = weights.sum(dim=1) <= 0
    if bool(empty.any()):
        weights[empty] = valid[empty].float()
    return weights


def sample_hard_negatives(logits: Tensor,
                          query_ids: Tensor,
                          key_ids: Tensor,
                          generator: Optional[torch.Generator] = None
                          ) -> Tensor:
    """Draw one hard negative key per query (see the module docstring).

    Args:
        logits (Tensor): Similarity / temperature, shape (B, N).
        query_ids (Tensor): Image id of each query, shape (B,).
        key_ids (Tensor): Image id of each key, shape (N,).
        generator (torch.Generator, optional): Random generator.

    Returns:
        Tensor: Index (into the keys) of each query's negative, shape (B,);
        never a key of the query's own image.
    """
    weights = hard_negative_weights(logits, query_ids, key_ids)
    return torch.multinomial(weights, 1, generator=generator).reshape(-1)


def sample_itm_negatives(sim_i2t: Tensor,
                         sim_t2i: Tensor,
                         image_ids: Tensor,
                         generator: Optional[torch.Generator] = None
                         ) -> Tuple[Tensor, Tensor]:
    """Hard negatives of a batch of B pairs, both ways.

    Args:
        sim_i2t (Tensor): Image-to-text logits of the batch, (B, B).
        sim_t2i (Tensor): Text-to-image logits of the batch, (B, B).
        image_ids (Tensor): Image id of each pair, (B,).
        generator (torch.Generator, optional): Random generator.

    Returns:
        tuple[Tensor, Tensor]: ``neg_image_of_text`` (B,): for text i the
        index of its negative image; ``neg_text_of_image`` (B,): for image i
        the index of its negative text.
    """
    neg_image_of_text = sample_hard_negatives(sim_t2i, image_ids, image_ids,
                                              generator)
    neg_text_of_image = sample_hard_negatives(sim_i2t, image_ids, image_ids,
                                              generator)
    return neg_image_of_text, neg_text_of_image


def itm_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """Mean 2-way cross-entropy of matched (1) / unmatched (0) pairs.

    Args:
        logits (Tensor): ITM logits, shape (N, 2).
        labels (Tensor): 1 for a matched pair, 0 otherwise, shape (N,).

    Returns:
        Tensor: Scalar loss.
    """
    return F.cross_entropy(logits, labels.long())


@MODELS.register_module()
class ITMLoss(BaseLoss):
    """Image-text matching loss, see :func:`itm_loss`.

    Called as ``loss(logits, labels, weight=None, avg_factor=None,
    reduction_override=None)`` (:meth:`BaseLoss.forward`, ``weight`` one
    value per pair (N,)); with the defaults it equals ``loss_weight *
    itm_loss(logits, labels)``. Built with :class:`BaseLoss`'s arguments;
    ``reduction`` is over the per-pair losses.
    """

    def unreduced_loss(self, logits: Tensor, labels: Tensor) -> Tensor:
        """Per-pair 2-way cross-entropy.

        Args:
            logits (Tensor): ITM logits, shape (N, 2).
            labels (Tensor): 1 for a matched pair, 0 otherwise, (N,).

        Returns:
            Tensor: Loss of each pair, shape (N,).
        """
        check_logits_and_labels(logits, labels, 'ITMLoss', num_classes=2)
        return F.cross_entropy(logits, labels.long(), reduction='none')
