"""Functional forms of the DINOv2 self-distillation objectives.

Oquab et al., "DINOv2: Learning Robust Visual Features without Supervision",
2023 (official code: ``dinov2/loss/dino_clstoken_loss.py`` and
``ibot_patch_loss.py``).

* :func:`sinkhorn_knopp` turns teacher prototype scores into soft
  assignments (the official ``sinkhorn_knopp_teacher``, all-reduced across
  processes);
* :func:`ema_center_update` / :func:`centered_softmax` are the DINO
  alternative (softmax of centred, sharpened scores; EMA of the batch mean);
* :func:`dino_cross_entropy` is the image-level loss of one student view
  against one teacher view;
* :func:`ibot_masked_cross_entropy` is the patch-level loss on masked
  patches, weighted per image as the official ``forward_masked``;
* :class:`DINOLoss` and :class:`IBOTPatchLoss` are the registered loss
  modules built on them: they hold the centering state (EMA center buffer)
  and produce the teacher targets with either centering method.

Under ``torch.distributed`` every batch statistic is summed over the
processes with :func:`mmengine.dist.all_reduce` (a no-op on one process), so
a DDP run computes the targets of the concatenated global batch.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine import dist
from torch import Tensor

from mmvision_plus.registry import MODELS
from mmvision_plus.utils.arg_checks import check_range
from .base_loss import BaseLoss
from .soft_cross_entropy import soft_cross_entropy_rows

CENTERINGS = ('sinkhorn_knopp', 'centering')


def _global_sum(tensor: Tensor) -> Tensor:
    """Sum of ``tensor`` over all processes (in place; returned)."""
    dist.all_reduce(tensor, op='sum')
    return tensor


@torch.no_grad()
def sinkhorn_knopp(teacher_logits: Tensor,
                   teacher_temp: float,
                   n_iterations: int = 3) -> Tensor:
    """Sinkhorn-Knopp teacher targets (official ``sinkhorn_knopp_teacher``).

    With ``Q = exp(teacher_logits / T)^T`` (K x B_total, B_total the rows of
    all processes together): ``Q /= sum(Q)``; then ``n_iterations`` times
    ``Q /= row sums; Q /= K`` (every prototype gets total weight 1/K) and
    ``Q /= column sums; Q /= B_total`` (every sample 1/B_total); finally
    ``Q *= B_total`` so that every sample's assignment sums to 1. Row sums and
    the total are all-reduced across processes, column sums are per sample.

    ``B_total`` is the all-reduced row count: for the cls-token loss it is
    ``B * world_size`` as in the official DINO loss, for the masked-patch loss
    the global number of masked patches as in the official iBOT loss, so one
    function serves both.

    The scores are shifted by their global maximum before ``exp``: the first
    normalisation divides out any constant factor, so the result is the
    official one up to rounding, and scores above ``88 * T`` (where the
    official float32 ``exp`` overflows) stay finite.

    Args:
        teacher_logits: (B, K) teacher prototype scores of this process.
        teacher_temp: Teacher temperature T.
        n_iterations: Normalisation rounds. Defaults to 3.

    Returns:
        Tensor: (B, K) float32 targets; each row sums to 1.
    """
    if teacher_logits.dim() != 2:
        raise ValueError('sinkhorn_knopp expects teacher_logits of shape '
                         f'(B, K), got {tuple(teacher_logits.shape)}')
    if teacher_temp <= 0:
        raise ValueError(f'sinkhorn_knopp: teacher_temp must be > 0, got '
                         f'{teacher_temp}')
    scores = teacher_logits.float() / teacher_temp
    shift = scores.max() if scores.numel() else scores.new_zeros(())
    dist.all_reduce(shift, op='max')
    q = torch.exp(scores - shift).t()  # (K, B)
    num_prototypes = q.shape[0]
    num_samples = _global_sum(
        torch.tensor(float(q.shape[1]), device=q.device))
    q /= _global_sum(q.sum())
    for _ in range(n_iterations):
        q /= _global_sum(q.sum(dim=1, keepdim=True))
        q /= num_prototypes
        q /= q.sum(dim=0, keepdim=True)
        q /= num_samples
    q *= num_samples
    return q.t()


@torch.no_grad()
def centered_softmax(teacher_logits: Tensor, center: Tensor,
                     teacher_temp: float) -> Tensor:
    """DINO teacher targets: ``softmax((teacher_logits - center) / T)``.

    Args:
        teacher_logits: (..., K) teacher prototype scores.
        center: (1, K) running center (broadcast).
        teacher_temp: Teacher temperature T.

    Returns:
        Tensor: (..., K) float32 targets.
    """
    return F.softmax((teacher_logits.float() - center) / teacher_temp, dim=-1)


@torch.no_grad()
def ema_center_update(center: Tensor,
                      teacher_logits: Tensor,
                      momentum: float = 0.9) -> Tensor:
    """EMA centering update of the official DINO / iBOT losses.

    ``batch_center = sum over the rows of all processes /
    (rows * world_size)``; ``new = center * m + batch_center * (1 - m)``.
    The official iBOT loss passes the per-process mean over masked patches as
    a single row, the DINO loss all teacher cls rows.

    Args:
        center: (1, K) current center.
        teacher_logits: (R, K) teacher scores of this process.
        momentum: EMA momentum m. Defaults to 0.9.

    Returns:
        Tensor: (1, K) new center (float32).
    """
    if teacher_logits.dim() != 2:
        raise ValueError('ema_center_update expects teacher_logits of shape '
                         f'(R, K), got {tuple(teacher_logits.shape)}')
    batch_center = _global_sum(
        teacher_logits.float().sum(dim=0, keepdim=True))
    batch_center /= teacher_logits.shape[0] * dist.get_world_size()
    return center * momentum + batch_center * (1 - momentum)


def student_cross_entropy_rows(student_logits: Tensor, teacher_probs: Tensor,
                               student_temp: float) -> Tensor:
    """Per-row ``-sum(t * log_softmax(s / T))`` in float32, shape (R,)
    (:func:`soft_cross_entropy_rows` of the tempered float32 scores)."""
    return soft_cross_entropy_rows(student_logits.float() / student_temp,
                                   teacher_probs.float())


def dino_cross_entropy(student_logits: Tensor,
                       teacher_probs: Tensor,
                       student_temp: float = 0.1) -> Tensor:
    """Image-level DINO loss of one student view against one teacher view.

    ``mean_i(-sum_k t_ik * log_softmax(s_i / T_s)_k)``.

    Args:
        student_logits: (B, K) student prototype scores.
        teacher_probs: (B, K) teacher targets (rows sum to 1).
        student_temp: Student temperature T_s. Defaults to 0.1.

    Returns:
        Tensor: Scalar loss (float32).
    """
    return student_cross_entropy_rows(student_logits, teacher_probs,
                                      student_temp).mean()


def ibot_masked_cross_entropy(student_logits: Tensor,
                              teacher_probs: Tensor,
                              masks: Tensor,
                              student_temp: float = 0.1) -> Tensor:
    """Patch-level iBOT loss on masked patches (official ``forward_masked``).

    The rows are the masked patches in ``masks.flatten().nonzero()`` order.
    Every masked patch of image b is weighted ``1 / max(1, n_b)`` (n_b the
    masked patches of b), the weighted per-patch cross-entropies are summed
    and divided by the number of images B (masked or not).

    Args:
        student_logits: (M, K) student scores of the masked patches.
        teacher_probs: (M, K) teacher targets of the same patches.
        masks: (B, N) bool patch masks, ``M == masks.sum()``.
        student_temp: Student temperature. Defaults to 0.1.

    Returns:
        Tensor: Scalar loss (float32).
    """
    if masks.dim() != 2 or masks.dtype != torch.bool:
        raise ValueError('ibot_masked_cross_entropy expects masks of shape '
                         f'(B, N) and dtype bool, got {tuple(masks.shape)} '
                         f'{masks.dtype}')
    num_masked = int(masks.sum())
    if student_logits.shape[0] != num_masked:
        raise ValueError(
            f'ibot_masked_cross_entropy: {student_logits.shape[0]} student '
            f'rows for {num_masked} masked patches')
    loss = student_cross_entropy_rows(student_logits, teacher_probs,
                                      student_temp)
    return (loss * masked_patch_weights(masks)).sum() / masks.shape[0]


def masked_patch_weights(masks: Tensor) -> Tensor:
    """``1 / max(1, n_b)`` for every masked patch (n_b: masked patches of its
    image), in ``masks.flatten().nonzero()`` order; shape (M,)."""
    weights = 1.0 / masks.sum(dim=-1).clamp(min=1).float()
    return weights.unsqueeze(-1).expand_as(masks)[masks]


class SelfDistillationLoss(BaseLoss):
    """Teacher targets and student temperature shared by the DINO losses.

    Args:
        out_dim: Number of prototypes K (size of the EMA center).
        student_temp: Student temperature. Defaults to 0.1.
        centering: ``'sinkhorn_knopp'`` (DINOv2 default for the released
            models) or ``'centering'`` (DINO's EMA centering).
        center_momentum: EMA momentum of the center. Defaults to 0.9.
        sinkhorn_iterations: Sinkhorn-Knopp rounds. Defaults to 3.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
        init_cfg: Initialisation config.
    """

    def __init__(self,
                 out_dim: int,
                 student_temp: float = 0.1,
                 centering: str = 'sinkhorn_knopp',
                 center_momentum: float = 0.9,
                 sinkhorn_iterations: int = 3,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(reduction='mean', loss_weight=loss_weight,
                         init_cfg=init_cfg)
        if centering not in CENTERINGS:
            raise ValueError(f'{type(self).__name__}: centering must be one '
                             f'of {CENTERINGS}, got {centering!r}')
        self.student_temp = check_range(student_temp, type(self).__name__,
                                        'student_temp', 0, low_open=True)
        self.centering = centering
        self.center_momentum = center_momentum
        self.sinkhorn_iterations = sinkhorn_iterations
        self.register_buffer('center', torch.zeros(1, out_dim))

    def center_rows(self, teacher_logits: Tensor) -> Tensor:
        """The rows whose mean updates the center (all of them here)."""
        return teacher_logits

    @torch.no_grad()
    def teacher_targets(self, teacher_logits: Tensor,
                        teacher_temp: float) -> Tensor:
        """Teacher targets (R, K) from teacher scores (R, K).

        Sinkhorn-Knopp, or the softmax of the scores centred by the current
        center (which is then updated with this batch, as the official
        losses apply the previous batch's update before the softmax).
        """
        if self.centering == 'sinkhorn_knopp':
            return sinkhorn_knopp(teacher_logits, teacher_temp,
                                  self.sinkhorn_iterations)
        targets = centered_softmax(teacher_logits, self.center, teacher_temp)
        self.center.copy_(
            ema_center_update(self.center, self.center_rows(teacher_logits),
                              self.center_momentum))
        return targets


@MODELS.register_module()
class DINOLoss(SelfDistillationLoss):
    """Image-level DINO loss (official ``DINOLoss``), see
    :func:`dino_cross_entropy` and :class:`SelfDistillationLoss`.

    ``forward`` gives ``loss_weight * mean_rows(-sum(t * log_softmax(s /
    T_s)))`` for one student view against one teacher view.
    """

    def forward(self, student_logits: Tensor,
                teacher_probs: Tensor) -> Tensor:
        """Args: student_logits (B, K), teacher_probs (B, K). Returns: the
        scalar loss."""
        rows = student_cross_entropy_rows(student_logits, teacher_probs,
                                          self.student_temp)
        return self.loss_weight * self.reduce_loss(rows)


@MODELS.register_module()
class IBOTPatchLoss(SelfDistillationLoss):
    """Patch-level iBOT loss on masked patches (official ``iBOTPatchLoss``),
    see :func:`ibot_masked_cross_entropy` and :class:`SelfDistillationLoss`.

    With EMA centering the center is updated with the mean over the masked
    patches of this process, as the official code does.
    """

    def center_rows(self, teacher_logits: Tensor) -> Tensor:
        return teacher_logits.mean(dim=0, keepdim=True)

    def forward(self, student_logits: Tensor, teacher_probs: Tensor,
                masks: Tensor) -> Tensor:
        """Args: student_logits (M, K) and teacher_probs (M, K) of the masked
        patches, masks (B, N) bool with M True entries. Returns: the scalar
        loss (sum of the per-image-weighted patch losses / B)."""
        if masks.dtype != torch.bool or masks.dim() != 2 or \
                int(masks.sum()) != student_logits.shape[0]:
            raise ValueError(
                'IBOTPatchLoss: masks must be (B, N) bool with one True per '
                f'student row, got {tuple(masks.shape)} {masks.dtype} for '
                f'{student_logits.shape[0]} rows')
        rows = student_cross_entropy_rows(student_logits, teacher_probs,
                                          self.student_temp)
        return self.loss_weight * self.reduce_loss(
            rows, weight=masked_patch_weights(masks),
            avg_factor=masks.shape[0])
