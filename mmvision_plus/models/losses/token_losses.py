"""Token-level losses of the text side: masked language modelling (MLM,
ALBEF / VLMo) and causal language modelling with label smoothing (LM,
BLIP / CoCa).

Both score a vocabulary distribution per token position against label ids,
``IGNORE_INDEX`` (-100, the convention of PyTorch and Hugging Face) marking
positions without a target (unmasked tokens for MLM, padding and prompts
for LM). Their per-token losses are the elements the house reduction
(:class:`~.base_loss.BaseLoss`) works on: ``'none'`` gives the (B, L) map
with zeros where there is no target, ``'mean'`` divides the sum by the
number of targets.
"""
from typing import Optional, Tuple

import torch.nn.functional as F
from torch import Tensor

from mmvision_plus.registry import MODELS
from .base_loss import BaseLoss, check_logits_and_labels

#: Label id of a position without a target.
IGNORE_INDEX = -100


def mlm_token_losses(logits: Tensor,
                     labels: Tensor,
                     soft_targets: Optional[Tensor] = None,
                     alpha: float = 0.0) -> Tuple[Tensor, Tensor]:
    """Per-token MLM loss, with optional momentum distillation.

    ``loss_t = (1 - alpha) * CE(logits_t, labels_t) + alpha * CE(logits_t,
    soft_targets_t)`` at every position with a label (ALBEF's MLM with
    momentum distillation: the soft targets are the momentum model's
    softmax at that position).

    Args:
        logits (Tensor): Vocabulary scores, shape (B, L, V).
        labels (Tensor): Original token ids at masked positions, else
            ``IGNORE_INDEX``; shape (B, L).
        soft_targets (Tensor, optional): Target distributions (B, L, V).
        alpha (float): Weight of the soft targets. Defaults to 0.

    Returns:
        tuple[Tensor, Tensor]: Per-token losses (B, L), zero where there
        is no label, and the float mask (B, L) of labelled positions.
    """
    check_logits_and_labels(logits, labels, 'mlm_loss', ('B', 'L'), 'V')
    valid = labels != IGNORE_INDEX
    log_p = F.log_softmax(logits.float(), dim=-1)
    hard = F.nll_loss(log_p.flatten(0, 1), labels.flatten().clamp(min=0),
                      reduction='none').view_as(labels)
    loss = hard
    if soft_targets is not None and alpha > 0:
        if soft_targets.shape != logits.shape:
            raise ValueError(f'mlm_loss: soft_targets must have the logits '
                             f'shape {tuple(logits.shape)}, got '
                             f'{tuple(soft_targets.shape)}')
        soft = -(soft_targets.float() * log_p).sum(dim=-1)
        loss = (1 - alpha) * hard + alpha * soft
    valid_f = valid.to(loss.dtype)
    return loss * valid_f, valid_f


def mlm_loss(logits: Tensor,
             labels: Tensor,
             soft_targets: Optional[Tensor] = None,
             alpha: float = 0.0) -> Tensor:
    """Mean MLM loss over the masked positions (see
    :func:`mlm_token_losses`); zero (in the graph) when nothing is masked.

    Returns:
        Tensor: Scalar loss.
    """
    losses, valid = mlm_token_losses(logits, labels, soft_targets, alpha)
    return losses.sum() / valid.sum().clamp(min=1)


def _lm_target_labels(labels: Tensor, shift: bool) -> Tensor:
    """The labels an LM's logits are scored against: (B, L - 1) without
    the first position when ``shift`` (next-token prediction), else the
    labels (B, L) themselves."""
    return labels[:, 1:] if shift else labels


def lm_token_losses(logits: Tensor,
                    labels: Tensor,
                    label_smoothing: float = 0.1,
                    shift: bool = True) -> Tuple[Tensor, Tensor]:
    """Per-token causal LM loss with label smoothing.

    With ``shift`` (the decoder's output at position t predicts the token
    at t + 1, as in BLIP's ``BertLMHeadModel``) the logits lose their last
    position and the labels their first.

    Args:
        logits (Tensor): Vocabulary scores, shape (B, L, V).
        labels (Tensor): Target ids, ``IGNORE_INDEX`` for padding and
            prompt tokens; shape (B, L).
        label_smoothing (float): Mass spread uniformly over the
            vocabulary. Defaults to 0.1 (BLIP).
        shift (bool): Predict the next token. Defaults to True.

    Returns:
        tuple[Tensor, Tensor]: Per-token losses (B, L') with L' = L - 1
        when shifted, zero where there is no target, and the float mask of
        targets (B, L').
    """
    check_logits_and_labels(logits, labels, 'lm_loss', ('B', 'L'), 'V')
    if shift:
        logits = logits[:, :-1]
    labels = _lm_target_labels(labels, shift)
    loss = F.cross_entropy(
        logits.float().flatten(0, 1), labels.flatten(),
        ignore_index=IGNORE_INDEX, reduction='none',
        label_smoothing=label_smoothing).view_as(labels)
    valid = (labels != IGNORE_INDEX).to(loss.dtype)
    return loss * valid, valid


def lm_loss(logits: Tensor,
            labels: Tensor,
            label_smoothing: float = 0.1,
            shift: bool = True) -> Tensor:
    """Mean LM loss over the target tokens (see :func:`lm_token_losses`).

    Returns:
        Tensor: Scalar loss.
    """
    losses, valid = lm_token_losses(logits, labels, label_smoothing, shift)
    return losses.sum() / valid.sum().clamp(min=1)


@MODELS.register_module()
class MLMLoss(BaseLoss):
    """Masked language modelling loss, see :func:`mlm_token_losses`.

    Called as ``loss(logits, labels, soft_targets=None, alpha=0.0,
    weight=None, avg_factor=None, reduction_override=None)``; with the
    defaults it equals ``loss_weight * mlm_loss(...)``. Built with
    :class:`BaseLoss`'s arguments; ``reduction`` is over the per-token
    losses, ``'mean'`` over the masked positions unless ``avg_factor`` is
    given.
    """

    def forward(self,
                logits: Tensor,
                labels: Tensor,
                soft_targets: Optional[Tensor] = None,
                alpha: float = 0.0,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """See the class docstring; shapes as in :func:`mlm_token_losses`,
        ``weight`` (B, L) or broadcastable to it.

        Returns:
            Tensor: Scalar, or the per-token losses (B, L) for ``'none'``.
        """
        losses, valid = mlm_token_losses(logits, labels, soft_targets, alpha)
        return self.loss_weight * self.reduce_loss(
            losses, weight, avg_factor, reduction_override, valid)


@MODELS.register_module()
class LMLoss(BaseLoss):
    """Causal language modelling loss with label smoothing, see
    :func:`lm_token_losses`.

    Called as ``loss(logits, labels, weight=None, avg_factor=None,
    reduction_override=None)`` (:meth:`BaseLoss.forward`); with the
    defaults it equals ``loss_weight * lm_loss(logits, labels,
    label_smoothing, shift)``. ``'mean'`` is over the target tokens unless
    ``avg_factor`` is given.

    Args:
        label_smoothing (float): Defaults to 0.1 (BLIP).
        shift (bool): Predict the next token. Defaults to True.
        **kwargs: ``reduction``, ``loss_weight`` and ``init_cfg`` of
            :class:`BaseLoss` (the reduction is over the per-token losses).
    """

    def __init__(self,
                 label_smoothing: float = 0.1,
                 shift: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0 <= label_smoothing < 1:
            raise ValueError(f'LMLoss: label_smoothing must be in [0, 1), '
                             f'got {label_smoothing}')
        self.label_smoothing = label_smoothing
        self.shift = shift

    def unreduced_loss(self, logits: Tensor, labels: Tensor) -> Tensor:
        """Per-token losses (B, L'), zero where there is no target; see
        :func:`lm_token_losses` for the shapes."""
        return lm_token_losses(logits, labels, self.label_smoothing,
                               self.shift)[0]

    def valid_targets(self, logits: Tensor, labels: Tensor) -> Tensor:
        """Positions with a target token, (B, L') bool."""
        return _lm_target_labels(labels, self.shift) != IGNORE_INDEX
