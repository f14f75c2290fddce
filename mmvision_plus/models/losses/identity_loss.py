"""Identity (ID) classification loss over several feature sets.

Text-based person search models supervise image, text (and, in MDRL,
cross-modal) features with one shared identity classifier; the loss is the
cross-entropy of each set's logits against the person identity, averaged
over the sets.
"""
from typing import Optional, Sequence

import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmvision_plus.registry import MODELS


def identity_loss(logits: Sequence[Tensor],
                  labels: Tensor,
                  label_smoothing: float = 0.0) -> Tensor:
    """Mean over feature sets of the cross-entropy of the identity logits.

    Args:
        logits (Sequence[Tensor]): One tensor of shape (B, K) per feature
            set (e.g. image, text, cross-modal), all from the same shared
            classifier.
        labels (Tensor): Identity labels in ``[0, K)``, shape (B,).
        label_smoothing (float): Cross-entropy label smoothing. Default 0.

    Returns:
        Tensor: Scalar loss.
    """
    if len(logits) == 0:
        raise ValueError('identity_loss needs at least one logits tensor')
    losses = [
        F.cross_entropy(x, labels, label_smoothing=label_smoothing)
        for x in logits
    ]
    return sum(losses) / len(losses)


@MODELS.register_module()
class IdentityLoss(BaseModule):
    """Identity classification loss, see :func:`identity_loss`.

    Args:
        label_smoothing (float): Cross-entropy label smoothing. Default 0.
        loss_weight (float): Weight of the loss. Default 1.0.
        init_cfg (dict, optional): Initialisation config. Default None.
    """

    def __init__(self,
                 label_smoothing: float = 0.0,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.label_smoothing = label_smoothing
        self.loss_weight = loss_weight

    def forward(self, logits: Sequence[Tensor], labels: Tensor) -> Tensor:
        """Weighted identity loss.

        Args:
            logits (Sequence[Tensor]): Per feature set, shape (B, K).
            labels (Tensor): Shape (B,).

        Returns:
            Tensor: Scalar loss.
        """
        return self.loss_weight * identity_loss(logits, labels,
                                                self.label_smoothing)
