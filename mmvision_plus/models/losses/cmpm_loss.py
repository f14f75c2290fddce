"""Cross-modal projection matching (CMPM) loss (Zhang & Lu, ECCV 2018).

Implemented with the semantics of IRRA's ``compute_cmpm`` (the form every
text-based person search codebase reuses): the identity-match matrix is
row-normalised by its L2 norm and compared, with a KL divergence, to the
softmax over the batch of the projections of one modality's (raw) features
onto the other modality's unit-normalised features.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmvision_plus.registry import MODELS


def identity_match_matrix(labels: Tensor) -> Tensor:
    """``y_ij = [labels_i == labels_j]`` as floats.

    Args:
        labels (Tensor): Identity labels, shape (B,).

    Returns:
        Tensor: Match matrix, shape (B, B).
    """
    labels = labels.reshape(-1, 1)
    return (labels == labels.t()).float()


def matching_kl(logits: Tensor, target: Tensor, eps: float) -> Tensor:
    """KL divergence of a row-wise target distribution from a batch softmax.

    Args:
        logits (Tensor): Matching scores, shape (B, B).
        target (Tensor): Non-negative targets, shape (B, B).
        eps (float): Added to the targets before the log.

    Returns:
        Tensor: ``mean_i sum_j p_ij (log p_ij - log(target_ij + eps))`` with
        ``p = softmax(logits, dim=1)``, a scalar.
    """
    log_p = F.log_softmax(logits, dim=1)
    return (log_p.exp() * (log_p - torch.log(target + eps))).sum(dim=1).mean()


def cmpm_loss(image_feats: Tensor,
              text_feats: Tensor,
              labels: Tensor,
              eps: float = 1e-8) -> Tensor:
    """CMPM loss, image-to-text plus text-to-image.

    ``p_ij = softmax_j(f_i^I . f_j^T / ||f_j^T||)`` and
    ``loss_i2t = mean_i sum_j p_ij (log p_ij - log(y_ij + eps))`` with
    ``y`` the identity-match matrix divided row-wise by its L2 norm; the
    text-to-image term swaps the roles of the modalities.

    Args:
        image_feats (Tensor): Image features, shape (B, D).
        text_feats (Tensor): Text features of the same pairs, shape (B, D).
        labels (Tensor): Identity labels, shape (B,).
        eps (float): Added to the targets before the log. Default 1e-8.

    Returns:
        Tensor: Scalar loss.
    """
    if image_feats.shape != text_feats.shape or image_feats.dim() != 2:
        raise ValueError(
            'cmpm_loss expects image_feats and text_feats of the same shape '
            f'(B, D), got {tuple(image_feats.shape)} and '
            f'{tuple(text_feats.shape)}')
    match = identity_match_matrix(labels).to(image_feats.dtype)
    target = match / match.norm(dim=1, keepdim=True)
    image_unit = F.normalize(image_feats, dim=1)
    text_unit = F.normalize(text_feats, dim=1)
    i2t = matching_kl(image_feats @ text_unit.t(), target, eps)
    t2i = matching_kl(text_feats @ image_unit.t(), target, eps)
    return i2t + t2i


@MODELS.register_module()
class CMPMLoss(BaseModule):
    """Cross-modal projection matching loss, see :func:`cmpm_loss`.

    Args:
        eps (float): Added to the targets before the log. Default 1e-8.
        loss_weight (float): Weight of the loss. Default 1.0.
        init_cfg (dict, optional): Initialisation config. Default None.
    """

    def __init__(self,
                 eps: float = 1e-8,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.eps = eps
        self.loss_weight = loss_weight

    def forward(self, image_feats: Tensor, text_feats: Tensor,
                labels: Tensor) -> Tensor:
        """Weighted CMPM loss.

        Args:
            image_feats (Tensor): Shape (B, D).
            text_feats (Tensor): Shape (B, D).
            labels (Tensor): Identity labels, shape (B,).

        Returns:
            Tensor: Scalar loss.
        """
        return self.loss_weight * cmpm_loss(image_feats, text_feats, labels,
                                            self.eps)
