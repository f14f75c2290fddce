"""Similarity distribution matching (SDM) loss (IRRA, Jiang & Ye, CVPR 2023).

The KL divergence between the softmax over the batch of scaled cosine
similarities and the identity-match matrix normalised to a distribution
(each row divided by its sum), in both retrieval directions.
"""
from typing import Optional

import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmvision_plus.registry import MODELS
from .cmpm_loss import matching_kl, identity_match_matrix


def sdm_loss(image_feats: Tensor,
             text_feats: Tensor,
             labels: Tensor,
             logit_scale: float = 50.0,
             eps: float = 1e-8) -> Tensor:
    """SDM loss, image-to-text plus text-to-image.

    ``p_ij = softmax_j(logit_scale * cos(f_i^I, f_j^T))``,
    ``loss_i2t = mean_i sum_j p_ij (log p_ij - log(q_ij + eps))`` with
    ``q`` the identity-match matrix divided row-wise by its sum; the
    text-to-image term uses the transposed similarity.

    Args:
        image_feats (Tensor): Image features, shape (B, D).
        text_feats (Tensor): Text features of the same pairs, shape (B, D).
        labels (Tensor): Identity labels, shape (B,).
        logit_scale (float): Inverse temperature (IRRA: 1 / 0.02).
        eps (float): Added to the targets before the log. Default 1e-8.

    Returns:
        Tensor: Scalar loss.
    """
    if image_feats.shape != text_feats.shape or image_feats.dim() != 2:
        raise ValueError(
            'sdm_loss expects image_feats and text_feats of the same shape '
            f'(B, D), got {tuple(image_feats.shape)} and '
            f'{tuple(text_feats.shape)}')
    match = identity_match_matrix(labels).to(image_feats.dtype)
    target = match / match.sum(dim=1, keepdim=True)
    cosine = F.normalize(image_feats, dim=1) @ F.normalize(text_feats,
                                                           dim=1).t()
    i2t = matching_kl(logit_scale * cosine, target, eps)
    t2i = matching_kl(logit_scale * cosine.t(), target, eps)
    return i2t + t2i


@MODELS.register_module()
class SDMLoss(BaseModule):
    """Similarity distribution matching loss, see :func:`sdm_loss`.

    Args:
        temperature (float): Softmax temperature; IRRA uses 0.02.
        eps (float): Added to the targets before the log. Default 1e-8.
        loss_weight (float): Weight of the loss. Default 1.0.
        init_cfg (dict, optional): Initialisation config. Default None.
    """

    def __init__(self,
                 temperature: float = 0.02,
                 eps: float = 1e-8,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if temperature <= 0:
            raise ValueError(
                f'SDMLoss temperature must be > 0, got {temperature}')
        self.temperature = temperature
        self.eps = eps
        self.loss_weight = loss_weight

    def forward(self, image_feats: Tensor, text_feats: Tensor,
                labels: Tensor) -> Tensor:
        """Weighted SDM loss.

        Args:
            image_feats (Tensor): Shape (B, D).
            text_feats (Tensor): Shape (B, D).
            labels (Tensor): Identity labels, shape (B,).

        Returns:
            Tensor: Scalar loss.
        """
        return self.loss_weight * sdm_loss(image_feats, text_feats, labels,
                                           1.0 / self.temperature, self.eps)
