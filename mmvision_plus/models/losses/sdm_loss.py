"""Similarity distribution matching (SDM) loss (IRRA, Jiang & Ye, CVPR 2023).

The KL divergence between the softmax over the batch of scaled cosine
similarities and the identity-match matrix normalised to a distribution
(each row divided by its sum), in both retrieval directions.
"""
from functools import partial
from typing import Optional, Tuple

from torch import Tensor

from mmvision_plus.registry import MODELS
from .pairwise_matching_loss import (PairwiseMatchingLoss,
                                     cosine_similarity_matrix,
                                     directional_matching_losses,
                                     matching_kl_rows)


def sdm_directional_losses(image_feats: Tensor,
                           text_feats: Tensor,
                           match: Tensor,
                           logit_scale: float = 50.0,
                           eps: float = 1e-8) -> Tuple[Tensor, Tensor]:
    """Per-row SDM losses of both directions.

    ``p_ij = softmax_j(logit_scale * cos(f_i^I, f_j^T))``,
    ``i2t_i = sum_j p_ij (log p_ij - log(q_ij + eps))`` with ``q`` the match
    matrix divided row-wise by its sum; ``t2i`` uses the transposed
    similarity and ``match.t()``.

    Args:
        image_feats (Tensor): Image features, shape (B, D).
        text_feats (Tensor): Text features of the same pairs, shape (B, D).
        match (Tensor): Non-negative match matrix, shape (B, B).
        logit_scale (float): Inverse temperature (IRRA: 1 / 0.02).
        eps (float): Added to the targets before the log. Default 1e-8.

    Returns:
        tuple[Tensor, Tensor]: ``i2t`` and ``t2i``, shape (B,) each.
    """
    i2t_target = match / match.sum(dim=1, keepdim=True)
    t2i_target = match.t() / match.t().sum(dim=1, keepdim=True)
    cosine = cosine_similarity_matrix(image_feats, text_feats)
    return (matching_kl_rows(logit_scale * cosine, i2t_target, eps),
            matching_kl_rows(logit_scale * cosine.t(), t2i_target, eps))


def sdm_loss(image_feats: Tensor,
             text_feats: Tensor,
             labels: Tensor,
             logit_scale: float = 50.0,
             eps: float = 1e-8) -> Tensor:
    """SDM loss, image-to-text plus text-to-image.

    ``loss = mean_i i2t_i + mean_i t2i_i``, see
    :func:`sdm_directional_losses`, with the identity-match matrix of
    ``labels``.

    Args:
        image_feats (Tensor): Image features, shape (B, D).
        text_feats (Tensor): Text features of the same pairs, shape (B, D).
        labels (Tensor): Identity labels, shape (B,).
        logit_scale (float): Inverse temperature (IRRA: 1 / 0.02).
        eps (float): Added to the targets before the log. Default 1e-8.

    Returns:
        Tensor: Scalar loss.
    """
    i2t, t2i = directional_matching_losses(
        partial(sdm_directional_losses, logit_scale=logit_scale, eps=eps),
        image_feats, text_feats, labels, 'sdm_loss')
    return i2t.mean() + t2i.mean()


@MODELS.register_module()
class SDMLoss(PairwiseMatchingLoss):
    """Similarity distribution matching loss, see :func:`sdm_loss`.

    Called as ``loss(image_feats, text_feats, labels, weight=None,
    avg_factor=None, reduction_override=None)``, see
    :meth:`PairwiseMatchingLoss.forward`; with the defaults it equals
    ``loss_weight * sdm_loss(image_feats, text_feats, labels,
    1 / temperature, eps)``.

    Args:
        temperature (float): Softmax temperature; IRRA uses 0.02.
        eps (float): Added to the targets before the log. Default 1e-8.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'`` of the per-pair
            losses. Defaults to ``'mean'``.
        loss_weight (float): Weight of the loss. Default 1.0.
        init_cfg (dict, optional): Initialisation config. Default None.
    """

    def __init__(self,
                 temperature: float = 0.02,
                 eps: float = 1e-8,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(reduction, loss_weight, init_cfg)
        if temperature <= 0:
            raise ValueError(
                f'SDMLoss temperature must be > 0, got {temperature}')
        self.temperature = temperature
        self.eps = eps

    def directional_losses(self, image_feats: Tensor, text_feats: Tensor,
                           match: Tensor) -> Tuple[Tensor, Tensor]:
        """See :func:`sdm_directional_losses`."""
        return sdm_directional_losses(image_feats, text_feats, match,
                                      1.0 / self.temperature, self.eps)
