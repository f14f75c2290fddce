"""Identity (ID) classification loss over several feature sets.

Text-based person search models supervise image, text (and, in MDRL,
cross-modal) features with one shared identity classifier; the loss is the
cross-entropy of each set's logits against the person identity, averaged
over the sets.
"""
from typing import Optional, Sequence

import torch.nn.functional as F
from torch import Tensor

from mmvision_plus.registry import MODELS
from .base_loss import BaseLoss


def set_mean_cross_entropy(logits: Sequence[Tensor],
                           labels: Tensor,
                           label_smoothing: float = 0.0,
                           reduction: str = 'mean',
                           owner: str = 'identity_loss') -> Tensor:
    """Cross-entropy of each feature set, reduced by torch, averaged over sets.

    Args:
        logits (Sequence[Tensor]): One tensor of shape (B, K) per feature set.
        labels (Tensor): Identity labels in ``[0, K)``, shape (B,).
        label_smoothing (float): Cross-entropy label smoothing. Default 0.
        reduction (str): ``F.cross_entropy``'s reduction of each set.
            Defaults to ``'mean'``.
        owner (str): Name of the loss, for the error message.

    Returns:
        Tensor: Scalar, or (B,) for ``'none'``.
    """
    if len(logits) == 0:
        raise ValueError(f'{owner} needs at least one logits tensor')
    losses = [
        F.cross_entropy(
            x, labels, reduction=reduction, label_smoothing=label_smoothing)
        for x in logits
    ]
    return sum(losses) / len(losses)


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
    return set_mean_cross_entropy(logits, labels, label_smoothing)


@MODELS.register_module()
class IdentityLoss(BaseLoss):
    """Identity classification loss, see :func:`identity_loss`.

    Called as ``loss(logits, labels, weight=None, avg_factor=None,
    reduction_override=None)``. The per-sample loss is the mean over
    feature sets of the cross-entropy; ``weight`` (B,) weighs samples.
    Without ``weight`` and ``avg_factor`` the reduction is
    ``F.cross_entropy``'s own, which keeps the numbers of
    :func:`identity_loss` bit for bit (its mean can differ from the mean of
    its ``'none'`` output in the last bits); with either, the per-sample
    losses go through :meth:`BaseLoss.forward`.

    Args:
        label_smoothing (float): Cross-entropy label smoothing. Default 0.
        **kwargs: ``reduction`` (over samples), ``loss_weight`` and
            ``init_cfg`` of :class:`BaseLoss`.
    """

    def __init__(self, label_smoothing: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.label_smoothing = label_smoothing

    def unreduced_loss(self, logits: Sequence[Tensor],
                       labels: Tensor) -> Tensor:
        """Per-sample loss (B,) of logits (B, K) per feature set and labels
        (B,)."""
        return set_mean_cross_entropy(logits, labels, self.label_smoothing,
                                      'none', type(self).__name__)

    def forward(self,
                logits: Sequence[Tensor],
                labels: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """Weighted identity loss, see the class docstring.

        Returns:
            Tensor: Scalar, or (B,) for ``'none'``.
        """
        if weight is not None or avg_factor is not None:
            return super().forward(logits, labels, weight, avg_factor,
                                   reduction_override)
        return self.loss_weight * set_mean_cross_entropy(
            logits, labels, self.label_smoothing,
            self.resolve_reduction(reduction_override), type(self).__name__)
