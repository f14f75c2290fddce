"""The base of image-text (pairwise) matching losses over a batch of pairs.

A batch holds B aligned pairs ``(image_feats[i], text_feats[i])``. A match
matrix ``match`` (B, B) says which image goes with which text: built from
identity labels (``match[i, j] = [labels_i == labels_j]``, text-based person
search), the identity matrix when no labels are given (each image matches
only its own caption: CLIP-style contrastive pre-training), or given as a
non-negative float matrix (soft targets, e.g. momentum distillation).

A matching loss scores, for every query row, the softmax over the batch of
image-to-text logits against a target distribution derived from ``match``
(and the same for text-to-image with ``match.t()``). The per-row losses of
the two directions are reduced separately with the same ``weight`` (one
value per pair), ``reduction`` and ``avg_factor`` and summed; ``'none'``
gives the per-pair sum ``i2t[i] + t2i[i]`` of shape (B,).

Subclasses only define :meth:`PairwiseMatchingLoss.directional_losses`.
CMPM and SDM are the sum of the two directions; a loss that averages them
(CLIP's image-text contrastive loss) halves each direction there. For
example, an ITC / InfoNCE loss with temperature ``t``, whose optional soft
targets come in as the float ``labels`` matrix, would be::

    def directional_losses(self, image_feats, text_feats, match):
        logits = cosine_similarity_matrix(image_feats, text_feats) / self.t

        def cross_entropy_rows(scores, target):  # (B, B) -> (B,)
            target = target / target.sum(dim=1, keepdim=True)
            return -(target * F.log_softmax(scores, dim=1)).sum(dim=1)

        return (0.5 * cross_entropy_rows(logits, match),
                0.5 * cross_entropy_rows(logits.t(), match.t()))
"""
from abc import abstractmethod
from typing import Callable, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .base_loss import BaseLoss

DirectionalLosses = Callable[[Tensor, Tensor, Tensor], Tuple[Tensor, Tensor]]


def identity_match_matrix(labels: Tensor) -> Tensor:
    """``y_ij = [labels_i == labels_j]`` as floats.

    Args:
        labels (Tensor): Identity labels, shape (B,).

    Returns:
        Tensor: Match matrix, shape (B, B).
    """
    labels = labels.reshape(-1, 1)
    return (labels == labels.t()).float()


def matching_kl_rows(logits: Tensor, target: Tensor, eps: float) -> Tensor:
    """Per-row KL divergence of a target distribution from a batch softmax.

    Args:
        logits (Tensor): Matching scores, shape (B, B).
        target (Tensor): Non-negative targets, shape (B, B).
        eps (float): Added to the targets before the log.

    Returns:
        Tensor: ``sum_j p_ij (log p_ij - log(target_ij + eps))`` with
        ``p = softmax(logits, dim=1)``, shape (B,).
    """
    log_p = F.log_softmax(logits, dim=1)
    return (log_p.exp() * (log_p - torch.log(target + eps))).sum(dim=1)


def matching_kl(logits: Tensor, target: Tensor, eps: float) -> Tensor:
    """``mean_i sum_j p_ij (log p_ij - log(target_ij + eps))``, a scalar:
    the mean over rows of :func:`matching_kl_rows` (same arguments)."""
    return matching_kl_rows(logits, target, eps).mean()


def cosine_similarity_matrix(image_feats: Tensor,
                             text_feats: Tensor) -> Tensor:
    """Cosine similarity of every image with every text.

    Args:
        image_feats (Tensor): Shape (B, D).
        text_feats (Tensor): Shape (B, D).

    Returns:
        Tensor: ``cos(image_i, text_j)``, shape (B, B).
    """
    return F.normalize(image_feats, dim=1) @ F.normalize(text_feats,
                                                         dim=1).t()


def pair_match_matrix(labels: Optional[Tensor], image_feats: Tensor,
                      owner: str) -> Tensor:
    """The (B, B) match matrix of a batch, in the features' dtype.

    Args:
        labels (Tensor, optional): Integer identity labels with B elements;
            or a non-negative float match matrix (B, B); or None, meaning
            image i matches text i only (the identity matrix).
        image_feats (Tensor): Image features (B, D), for B, dtype, device.
        owner (str): Name of the loss, for error messages.

    Returns:
        Tensor: Match matrix, shape (B, B).

    Raises:
        ValueError: On labels of the wrong size, or a float matrix of the
            wrong shape or with negative entries.
    """
    batch = image_feats.size(0)
    if labels is None:
        return torch.eye(batch, dtype=image_feats.dtype,
                         device=image_feats.device)
    if labels.is_floating_point():
        if labels.shape != (batch, batch):
            raise ValueError(
                f'{owner}: a float labels tensor is a match matrix and must '
                f'have shape ({batch}, {batch}), got {tuple(labels.shape)}')
        if labels.numel() and bool((labels < 0).any()):
            raise ValueError(f'{owner}: the match matrix must be '
                             'non-negative')
        return labels.to(image_feats.dtype)
    if labels.numel() != batch:
        raise ValueError(f'{owner}: expected {batch} identity labels, one per '
                         f'pair, got shape {tuple(labels.shape)}')
    return identity_match_matrix(labels).to(image_feats.dtype)


def directional_matching_losses(directional_losses: DirectionalLosses,
                                image_feats: Tensor, text_feats: Tensor,
                                labels: Optional[Tensor],
                                owner: str) -> Tuple[Tensor, Tensor]:
    """Check a batch of pairs and compute its per-pair losses.

    Args:
        directional_losses (Callable): ``(image_feats, text_feats, match) ->
            (i2t, t2i)``, each (B,).
        image_feats (Tensor): Image features, shape (B, D).
        text_feats (Tensor): Text features of the same pairs, shape (B, D).
        labels (Tensor, optional): See :func:`pair_match_matrix`.
        owner (str): Name of the loss, for error messages.

    Returns:
        tuple[Tensor, Tensor]: Image-to-text and text-to-image losses, (B,)
        each.
    """
    if image_feats.shape != text_feats.shape or image_feats.dim() != 2:
        raise ValueError(
            f'{owner} expects image_feats and text_feats of the same shape '
            f'(B, D), got {tuple(image_feats.shape)} and '
            f'{tuple(text_feats.shape)}')
    match = pair_match_matrix(labels, image_feats, owner)
    return directional_losses(image_feats, text_feats, match)


def summed_matching_loss(directional_losses: DirectionalLosses,
                         image_feats: Tensor, text_feats: Tensor,
                         labels: Optional[Tensor], owner: str) -> Tensor:
    """``mean_i i2t_i + mean_i t2i_i``: the functional form of CMPM and SDM.

    The arguments are those of :func:`directional_matching_losses`; the
    result, a scalar, equals a :class:`PairwiseMatchingLoss` with the default
    ``reduction='mean'`` and ``loss_weight=1``.
    """
    i2t, t2i = directional_matching_losses(directional_losses, image_feats,
                                           text_feats, labels, owner)
    return i2t.mean() + t2i.mean()


class PairwiseMatchingLoss(BaseLoss):
    """Base of image-text matching losses (see the module docstring).

    Called as ``loss(image_feats, text_feats, labels, weight=None,
    avg_factor=None, reduction_override=None)``, see :meth:`forward`.
    Subclasses take their own arguments first and pass the ones below on
    as keyword arguments.

    Args:
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'`` of the per-pair
            losses. Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    @abstractmethod
    def directional_losses(self, image_feats: Tensor, text_feats: Tensor,
                           match: Tensor) -> Tuple[Tensor, Tensor]:
        """Per-row image-to-text and text-to-image losses.

        Args:
            image_feats (Tensor): Shape (B, D).
            text_feats (Tensor): Shape (B, D).
            match (Tensor): Non-negative match matrix (B, B), rows images,
                columns texts.

        Returns:
            tuple[Tensor, Tensor]: ``i2t`` (row i: image i as the query) and
            ``t2i`` (row i: text i as the query), each of shape (B,).
        """

    def forward(self,
                image_feats: Tensor,
                text_feats: Tensor,
                labels: Optional[Tensor] = None,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """Weighted, reduced matching loss of a batch of pairs.

        Args:
            image_feats (Tensor): Image features, shape (B, D).
            text_feats (Tensor): Text features of the same pairs, (B, D).
            labels (Tensor, optional): Identity labels (B,), a float match
                matrix (B, B), or None for one match per pair.
            weight (Tensor, optional): Per-pair weight (B,), applied to both
                directions. Defaults to None.
            avg_factor (float, optional): Divisor of each direction's summed
                loss for ``'mean'``. Defaults to None.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            Tensor: Scalar, or the per-pair loss (B,) for ``'none'``.
        """
        i2t, t2i = directional_matching_losses(self.directional_losses,
                                               image_feats, text_feats,
                                               labels, type(self).__name__)
        return self.reduce_directions(i2t, t2i, weight, avg_factor,
                                      reduction_override)

    def reduce_directions(self,
                          i2t: Tensor,
                          t2i: Tensor,
                          weight: Optional[Tensor] = None,
                          avg_factor: Optional[float] = None,
                          reduction_override: Optional[str] = None
                          ) -> Tensor:
        """``loss_weight`` times the sum of both directions, each reduced
        with :meth:`BaseLoss.reduce_loss` and the same arguments.

        Args:
            i2t (Tensor): Image-to-text per-pair losses, shape (B,).
            t2i (Tensor): Text-to-image per-pair losses, shape (B,).
            weight (Tensor, optional): Per-pair weight (B,).
            avg_factor (float, optional): Divisor of each direction's summed
                loss for ``'mean'``.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            Tensor: Scalar, or the per-pair loss (B,) for ``'none'``.
        """
        return self.loss_weight * (
            self.reduce_loss(i2t, weight, avg_factor, reduction_override) +
            self.reduce_loss(t2i, weight, avg_factor, reduction_override))
