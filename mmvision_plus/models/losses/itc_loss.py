"""Image-text contrastive (ITC) loss: symmetric InfoNCE (CLIP, ALBEF, BLIP).

For L2-normalised image features ``v`` (B, D) and text features ``t``
(B, D) of B aligned pairs and a temperature ``T``::

    i2t_i = CE(softmax_j(v_i . t_j / T), y^{i2t}_i)
    t2i_i = CE(softmax_j(t_i . v_j / T), y^{t2i}_i)
    loss  = (mean_i i2t_i + mean_i t2i_i) / 2

with ``CE(p, y) = -sum_j y_j log p_j``. The targets are the diagonal (each
image matches its own caption), the rows of a match matrix (captions of the
same image are all positives, each row normalised to sum 1), or soft
targets given by the caller (ALBEF's momentum distillation mixes the
momentum model's similarity distribution into them).

ALBEF and BLIP score the online features against *keys* that are not the
in-batch features: the momentum encoder's features followed by a feature
queue. ``image_keys`` / ``text_keys`` give them; the logits are then
``v_i . text_keys_j / T`` (B, N_t) and ``t_i . image_keys_j / T`` (B, N_i)
and the soft targets must be given for both directions.

mmpretrain's ``ITCHead`` computes the same loss inline, bound to its own
queue and a fixed distillation weight; here the loss is one function on the
house loss base and the queue and the alpha ramp live with the model.
"""
from typing import Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

from mmvision_plus.registry import MODELS
from .pairwise_matching_loss import (PairwiseMatchingLoss,
                                     directional_matching_losses)
from .soft_cross_entropy import soft_cross_entropy_rows

Targets = Union[Tensor, Sequence[Tensor]]


def normalized_cross_entropy_rows(logits: Tensor, targets: Tensor) -> Tensor:
    """Cross-entropy of each row's softmax against its target row divided
    by the row's sum (a 0/1 match row spreads its mass evenly over the
    positives).

    Args:
        logits (Tensor): Scores, shape (B, N).
        targets (Tensor): Non-negative targets, shape (B, N).

    Returns:
        Tensor: ``-sum_j (y_ij / sum_j y_ij) log softmax(logits_i)_j``,
        shape (B,).

    Raises:
        ValueError: If the shapes differ or a target row sums to zero.
    """
    totals = targets.sum(dim=1, keepdim=True)
    if bool((totals <= 0).any()):
        row = int((totals <= 0).reshape(-1).nonzero()[0])
        raise ValueError(f'target row {row} has no positive mass')
    return soft_cross_entropy_rows(logits, targets / totals)


def _split_targets(soft_targets: Optional[Targets], num_rows: int,
                   i2t_cols: int, t2i_cols: int, like: Tensor
                   ) -> Tuple[Tensor, Tensor]:
    """Image-to-text and text-to-image targets from the caller's input."""
    if soft_targets is None:
        if i2t_cols != num_rows or t2i_cols != num_rows:
            raise ValueError('itc_loss: scoring against keys needs explicit '
                             'soft_targets for both directions')
        eye = torch.eye(num_rows, dtype=like.dtype, device=like.device)
        return eye, eye
    if isinstance(soft_targets, Tensor):
        if i2t_cols != num_rows or t2i_cols != num_rows:
            raise ValueError('itc_loss: a single soft-target matrix (used '
                             'for i2t and, transposed, for t2i) needs '
                             'in-batch keys; give a pair (i2t, t2i)')
        return soft_targets, soft_targets.t()
    if len(soft_targets) != 2:
        raise ValueError('itc_loss: soft_targets must be a (B, B) tensor or '
                         'a pair (i2t, t2i)')
    return soft_targets[0], soft_targets[1]


def itc_directional_losses(image_feats: Tensor,
                           text_feats: Tensor,
                           temperature: Union[float, Tensor],
                           soft_targets: Optional[Targets] = None,
                           image_keys: Optional[Tensor] = None,
                           text_keys: Optional[Tensor] = None
                           ) -> Tuple[Tensor, Tensor]:
    """Per-pair image-to-text and text-to-image InfoNCE terms (not halved).

    Args:
        image_feats (Tensor): Normalised image features, shape (B, D).
        text_feats (Tensor): Normalised text features of the same pairs,
            shape (B, D).
        temperature (float | Tensor): Softmax temperature ``T`` (> 0); a
            scalar tensor keeps a learnable temperature in the graph.
        soft_targets (Tensor | tuple[Tensor, Tensor], optional): None for
            the diagonal; a (B, B) matrix used for i2t and, transposed, for
            t2i; or a pair ``(i2t (B, N_t), t2i (B, N_i))``.
        image_keys (Tensor, optional): Images the texts are scored against,
            (N_i, D). Defaults to ``image_feats``.
        text_keys (Tensor, optional): Texts the images are scored against,
            (N_t, D). Defaults to ``text_feats``.

    Returns:
        tuple[Tensor, Tensor]: ``i2t`` and ``t2i``, shape (B,) each.
    """
    if image_feats.dim() != 2 or image_feats.shape != text_feats.shape:
        raise ValueError(
            'itc_loss expects image_feats and text_feats of the same shape '
            f'(B, D), got {tuple(image_feats.shape)} and '
            f'{tuple(text_feats.shape)}')
    if not isinstance(temperature, Tensor) and temperature <= 0:
        raise ValueError(f'itc_loss: temperature must be > 0, got '
                         f'{temperature}')
    image_keys = image_feats if image_keys is None else image_keys
    text_keys = text_feats if text_keys is None else text_keys
    logits_i2t = image_feats @ text_keys.t() / temperature
    logits_t2i = text_feats @ image_keys.t() / temperature
    i2t_targets, t2i_targets = _split_targets(
        soft_targets, image_feats.size(0), text_keys.size(0),
        image_keys.size(0), image_feats)
    return (normalized_cross_entropy_rows(logits_i2t,
                                          i2t_targets.to(logits_i2t)),
            normalized_cross_entropy_rows(logits_t2i,
                                          t2i_targets.to(logits_t2i)))


def itc_loss(image_feats: Tensor,
             text_feats: Tensor,
             temperature: Union[float, Tensor],
             soft_targets: Optional[Targets] = None,
             image_keys: Optional[Tensor] = None,
             text_keys: Optional[Tensor] = None) -> Tensor:
    """Symmetric InfoNCE: the mean of the image-to-text and text-to-image
    cross-entropies with logits ``image_feats @ text_feats.T / temperature``.

    Args and targets are those of :func:`itc_directional_losses`.

    Returns:
        Tensor: Scalar loss ``(mean(i2t) + mean(t2i)) / 2``.
    """
    i2t, t2i = itc_directional_losses(image_feats, text_feats, temperature,
                                      soft_targets, image_keys, text_keys)
    return (i2t.mean() + t2i.mean()) / 2


def same_image_targets(image_ids: Tensor, key_image_ids: Tensor) -> Tensor:
    """0/1 targets: 1 where a key shows the same image as the query.

    Args:
        image_ids (Tensor): Image id of each query pair, shape (B,).
        key_image_ids (Tensor): Image id of each key, shape (N,); queue
            slots never filled hold -1 and match nothing (ids are >= 0).

    Returns:
        Tensor: Float matrix (B, N).
    """
    return (image_ids.reshape(-1, 1) == key_image_ids.reshape(1, -1)).float()


@MODELS.register_module()
class ITCLoss(PairwiseMatchingLoss):
    """Image-text contrastive loss, see :func:`itc_loss`.

    Called as ``loss(image_feats, text_feats, labels=None, temperature=None,
    soft_targets=None, image_keys=None, text_keys=None, weight=None,
    avg_factor=None, reduction_override=None)``. With in-batch keys,
    ``labels`` are image ids (B,) (captions of one image are all positives)
    or a float (B, B) match matrix, as for every
    :class:`PairwiseMatchingLoss`; with keys (momentum features and a
    queue), ``soft_targets`` gives both directions' targets. The per-pair
    terms of each direction are halved, reduced separately and summed, so
    with the defaults the loss equals ``loss_weight * itc_loss(...)``.

    Args:
        temperature (float): Temperature used when the caller passes none
            (CLIP and ALBEF pass their learnable one). Defaults to 0.07.
        **kwargs: ``reduction`` (over the per-pair losses),
            ``loss_weight`` and ``init_cfg`` of :class:`BaseLoss`.
    """

    def __init__(self, temperature: float = 0.07, **kwargs) -> None:
        super().__init__(**kwargs)
        if temperature <= 0:
            raise ValueError(
                f'ITCLoss temperature must be > 0, got {temperature}')
        self.temperature = temperature

    def directional_losses(self, image_feats: Tensor, text_feats: Tensor,
                           match: Tensor) -> Tuple[Tensor, Tensor]:
        """Halved per-pair terms with ``match`` as the targets."""
        i2t, t2i = itc_directional_losses(image_feats, text_feats,
                                          self.temperature, match)
        return 0.5 * i2t, 0.5 * t2i

    def forward(self,
                image_feats: Tensor,
                text_feats: Tensor,
                labels: Optional[Tensor] = None,
                temperature: Union[None, float, Tensor] = None,
                soft_targets: Optional[Targets] = None,
                image_keys: Optional[Tensor] = None,
                text_keys: Optional[Tensor] = None,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """Weighted, reduced ITC loss (see the class docstring).

        Returns:
            Tensor: Scalar, or the per-pair loss (B,) for ``'none'``.
        """
        if labels is not None and soft_targets is not None:
            raise ValueError('ITCLoss: give labels or soft_targets, not both')
        temperature = self.temperature if temperature is None else \
            temperature
        if soft_targets is None and image_keys is None and text_keys is None:
            i2t, t2i = directional_matching_losses(
                lambda v, t, match: itc_directional_losses(
                    v, t, temperature, match), image_feats, text_feats,
                labels, type(self).__name__)
        else:
            i2t, t2i = itc_directional_losses(image_feats, text_feats,
                                              temperature, soft_targets,
                                              image_keys, text_keys)
        return self.reduce_directions(0.5 * i2t, 0.5 * t2i, weight,
                                      avg_factor, reduction_override)
