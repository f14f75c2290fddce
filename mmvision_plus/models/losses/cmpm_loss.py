"""Cross-modal projection matching (CMPM) loss (Zhang & Lu, ECCV 2018).

Implemented with the semantics of IRRA's ``compute_cmpm`` (the form every
text-based person search codebase reuses): the identity-match matrix is
row-normalised by its L2 norm and compared, with a KL divergence, to the
softmax over the batch of the projections of one modality's (raw) features
onto the other modality's unit-normalised features.
"""
from functools import partial
from typing import Optional, Tuple

import torch.nn.functional as F
from torch import Tensor

from mmvision_plus.registry import MODELS
from .pairwise_matching_loss import (PairwiseMatchingLoss,
                                     directional_matching_losses,
                                     matching_kl_rows)


def cmpm_directional_losses(image_feats: Tensor,
                            text_feats: Tensor,
                            match: Tensor,
                            eps: float = 1e-8) -> Tuple[Tensor, Tensor]:
    """Per-row CMPM losses of both directions.

    ``p_ij = softmax_j(f_i^I . f_j^T / ||f_j^T||)`` and
    ``i2t_i = sum_j p_ij (log p_ij - log(y_ij + eps))`` with ``y`` the match
    matrix divided row-wise by its L2 norm; ``t2i`` swaps the modalities
    (and uses ``match.t()``).

    Args:
        image_feats (Tensor): Image features, shape (B, D).
        text_feats (Tensor): Text features of the same pairs, shape (B, D).
        match (Tensor): Non-negative match matrix, shape (B, B).
        eps (float): Added to the targets before the log. Default 1e-8.

    Returns:
        tuple[Tensor, Tensor]: ``i2t`` and ``t2i``, shape (B,) each.
    """
    i2t_target = match / match.norm(dim=1, keepdim=True)
    t2i_target = match.t() / match.t().norm(dim=1, keepdim=True)
    image_unit = F.normalize(image_feats, dim=1)
    text_unit = F.normalize(text_feats, dim=1)
    return (matching_kl_rows(image_feats @ text_unit.t(), i2t_target, eps),
            matching_kl_rows(text_feats @ image_unit.t(), t2i_target, eps))


def cmpm_loss(image_feats: Tensor,
              text_feats: Tensor,
              labels: Tensor,
              eps: float = 1e-8) -> Tensor:
    """CMPM loss, image-to-text plus text-to-image.

    ``loss = mean_i i2t_i + mean_i t2i_i``, see
    :func:`cmpm_directional_losses`, with the identity-match matrix of
    ``labels``.

    Args:
        image_feats (Tensor): Image features, shape (B, D).
        text_feats (Tensor): Text features of the same pairs, shape (B, D).
        labels (Tensor): Identity labels, shape (B,).
        eps (float): Added to the targets before the log. Default 1e-8.

    Returns:
        Tensor: Scalar loss.
    """
    i2t, t2i = directional_matching_losses(
        partial(cmpm_directional_losses, eps=eps), image_feats, text_feats,
        labels, 'cmpm_loss')
    return i2t.mean() + t2i.mean()


@MODELS.register_module()
class CMPMLoss(PairwiseMatchingLoss):
    """Cross-modal projection matching loss, see :func:`cmpm_loss`.

    Called as ``loss(image_feats, text_feats, labels, weight=None,
    avg_factor=None, reduction_override=None)``, see
    :meth:`PairwiseMatchingLoss.forward`; with the defaults it equals
    ``loss_weight * cmpm_loss(image_feats, text_feats, labels, eps)``.

    Args:
        eps (float): Added to the targets before the log. Default 1e-8.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'`` of the per-pair
            losses. Defaults to ``'mean'``.
        loss_weight (float): Weight of the loss. Default 1.0.
        init_cfg (dict, optional): Initialisation config. Default None.
    """

    def __init__(self,
                 eps: float = 1e-8,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(reduction, loss_weight, init_cfg)
        self.eps = eps

    def directional_losses(self, image_feats: Tensor, text_feats: Tensor,
                           match: Tensor) -> Tuple[Tensor, Tensor]:
        """See :func:`cmpm_directional_losses`."""
        return cmpm_directional_losses(image_feats, text_feats, match,
                                       self.eps)
