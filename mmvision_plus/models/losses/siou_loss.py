"""SIoU box-regression loss (Gevorgyan 2022, arXiv 2205.12740), paper form.

Registered as ``PaperSIoULoss``, a name of its own, so that
``type='SIoULoss'`` always means mmdet's class, whatever scope or base a
config inherits. How it differs from mmdet 3.3's ``SIoULoss``: mmdet's
default ``neg_gamma=False`` computes ``exp(+gamma * rho)``, which makes the
distance cost negative (the distance term rewards distance); only its
``neg_gamma=True`` is the paper's formula below. Ours is always the
paper's, exposes ``theta``, accepts ``xywh`` boxes, computes in float32
with autocast disabled and rejects invalid boxes with a ``ValueError``.

The paper's formula, for a predicted box ``B`` and its target ``B_gt`` with
centre offset ``(dx, dy)``, enclosing-box size ``(c_w, c_h)`` and widths and
heights ``w, h`` / ``w_gt, h_gt``::

    sigma     = sqrt(dx^2 + dy^2),   sin(alpha) = |dy| / sigma
    Lambda    = 1 - 2 sin^2(arcsin(sin alpha) - pi/4)        (angle cost)
    gamma     = 2 - Lambda
    Delta     = sum_{t=x,y} 1 - exp(-gamma * rho_t),
                rho_x = (dx / c_w)^2, rho_y = (dy / c_h)^2      (distance cost)
    Omega     = sum_{t=w,h} (1 - exp(-omega_t))^theta,
                omega_w = |w - w_gt| / max(w, w_gt)             (shape cost)
    L         = 1 - IoU + (Delta + Omega) / 2

Implementation notes (all exact rewrites of the formula, no approximation):

* ``1 - 2 sin^2(x - pi/4) = cos(2x - pi/2) = sin(2x)``, hence
  ``Lambda = 2 sin(alpha) cos(alpha) = 2 |dx| |dy| / sigma^2``. This needs no
  ``arcsin``/``sqrt`` and is symmetric in alpha and beta = pi/2 - alpha.
* When the centres coincide (``sigma = 0``) the angle is undefined; we set
  ``Lambda = 0`` there (``sigma^2`` is clamped to float's smallest normal
  number in the division). Both ``rho_t`` are 0 at that point, so the loss
  value does not depend on that choice, and the gradient stays finite.
* ``|dx| <= c_w`` always holds, so ``rho_t`` lies in ``[0, 1]`` and the
  exponentials cannot overflow, however far apart the boxes are.
* ``eps`` only guards divisions by a zero union, a zero enclosing side or
  a zero ``max(w, w_gt)`` (degenerate boxes); it never shifts the value for
  boxes whose sizes are above ``eps``. Identical boxes give exactly 0 when
  their area is at least ``eps``. The IoU of two zero-area boxes is taken
  as 0 (it is undefined), so identical zero-area boxes have loss 1.

Precision: the loss is computed in float32 (float64 if an input is float64)
with autocast disabled, so float16/bfloat16 inputs or an enclosing
``torch.autocast`` region are safe; the result is returned in that compute
dtype (float32 for half-precision inputs), as mmdet's losses are usually
accumulated in float32.

Bad input raises ``ValueError``: wrong last dimension, shape mismatch,
non-finite coordinates (NaN/inf, the message gives how many boxes) and
negative widths/heights (``x2 < x1`` or ``y2 < y1``). The check is a single
fused ``aminmax`` over the box sizes and one host sync per call.
"""
from typing import Dict, Optional

import torch
from torch import Tensor

from mmvision_plus.registry import MODELS
from mmvision_plus.utils.arg_checks import check_range
from .base_loss import BaseLoss

BOX_FORMATS = ('xyxy', 'xywh')


def _corners(boxes: Tensor, box_format: str) -> tuple:
    """Split boxes into (top-left, bottom-right) corners.

    Args:
        boxes (Tensor): Boxes of shape (..., 4) in ``box_format``.
        box_format (str): ``'xyxy'`` or ``'xywh'`` (centre x, centre y,
            width, height).

    Returns:
        tuple[Tensor, Tensor]: Corners ``lo`` and ``hi``, each (..., 2).
    """
    if box_format == 'xyxy':
        return boxes[..., :2], boxes[..., 2:]
    half = boxes[..., 2:] * 0.5
    return boxes[..., :2] - half, boxes[..., :2] + half


def _describe_bad_boxes(name: str, wh: Tensor) -> str:
    """Human-readable summary of invalid boxes, for the error message.

    Args:
        name (str): ``'pred'`` or ``'target'``.
        wh (Tensor): Box sizes (hi - lo) of shape (..., 2).

    Returns:
        str: Empty when every box of ``wh`` is valid.
    """
    wh = wh.reshape(-1, 2)
    nonfinite = (~torch.isfinite(wh)).any(-1)
    negative = (wh < 0).any(-1) & ~nonfinite
    parts = []
    for mask, what in ((nonfinite, 'non-finite (NaN/inf) coordinates'),
                       (negative, 'negative width/height (x2 < x1 or '
                        'y2 < y1)')):
        count = int(mask.sum())
        if count:
            first = int(mask.nonzero()[0, 0])
            parts.append(f'{name} has {count} box(es) with {what} '
                         f'(first at flat index {first})')
    return '; '.join(parts)


def _check_inputs(pred: Tensor, target: Tensor, box_format: str) -> None:
    """Validate shapes and the box format (cheap, no data access).

    Args:
        pred (Tensor): Predicted boxes, (..., 4).
        target (Tensor): Target boxes, same shape as ``pred``.
        box_format (str): One of :data:`BOX_FORMATS`.
    """
    if box_format not in BOX_FORMATS:
        raise ValueError('siou_loss: box_format must be one of '
                         f'{BOX_FORMATS}, got {box_format!r}')
    if pred.dim() == 0 or pred.shape[-1] != 4:
        raise ValueError('siou_loss: pred must have shape (..., 4), got '
                         f'{tuple(pred.shape)}')
    if target.shape != pred.shape:
        raise ValueError('siou_loss: pred and target shapes differ: '
                         f'{tuple(pred.shape)} vs {tuple(target.shape)}')
    if not (pred.is_floating_point() and target.is_floating_point()):
        raise ValueError('siou_loss: boxes must be floating point, got '
                         f'{pred.dtype} and {target.dtype}')


def siou_cost_terms(pred: Tensor,
                    target: Tensor,
                    theta: float = 4.0,
                    eps: float = 1e-7,
                    box_format: str = 'xyxy') -> Dict[str, Tensor]:
    """The four SIoU terms per box pair (see the module docstring).

    Args:
        pred (Tensor): Predicted boxes of shape (N, 4) (any leading dims
            work: (..., 4)).
        target (Tensor): Target boxes, same shape as ``pred``.
        theta (float): Shape-cost exponent (paper: 2 to 6). Must be >= 1 so
            that the gradient of the shape cost is finite at equal sizes.
            Defaults to 4.0.
        eps (float): Guard for divisions by zero on degenerate boxes.
            Defaults to 1e-7.
        box_format (str): ``'xyxy'`` (x1, y1, x2, y2) or ``'xywh'`` (centre
            x, centre y, width, height). Defaults to ``'xyxy'``.

    Returns:
        dict[str, Tensor]: ``iou``, ``angle_cost`` (Lambda),
        ``distance_cost`` (Delta) and ``shape_cost`` (Omega), each of shape
        (N,), float32 for half/float32 inputs and float64 for float64 inputs.

    Raises:
        ValueError: On a bad shape or format, on non-finite coordinates and
            on boxes with negative width or height.
    """
    _check_inputs(pred, target, box_format)
    if theta < 1:
        raise ValueError(f'siou_loss: theta must be >= 1, got {theta}')
    dtype = (torch.float64 if torch.float64 in (pred.dtype, target.dtype)
             else torch.float32)
    with torch.autocast(device_type=pred.device.type, enabled=False):
        p_lo, p_hi = _corners(pred.to(dtype), box_format)
        t_lo, t_hi = _corners(target.to(dtype), box_format)
        p_wh = p_hi - p_lo
        t_wh = t_hi - t_lo
        if pred.numel():
            with torch.no_grad():
                low, high = torch.aminmax(torch.cat([p_wh, t_wh], dim=-1))
                valid = bool((low >= 0) & torch.isfinite(high))
            if not valid:
                problems = [
                    msg for msg in (_describe_bad_boxes('pred', p_wh),
                                    _describe_bad_boxes('target', t_wh))
                    if msg
                ]
                raise ValueError('siou_loss: invalid boxes: ' +
                                 '; '.join(problems))

        inter_wh = (torch.minimum(p_hi, t_hi) -
                    torch.maximum(p_lo, t_lo)).clamp(min=0)
        inter = inter_wh[..., 0] * inter_wh[..., 1]
        union = (p_wh[..., 0] * p_wh[..., 1] + t_wh[..., 0] * t_wh[..., 1] -
                 inter)
        iou = inter / union.clamp(min=eps)

        # angle cost: Lambda = sin(2 alpha) = 2 |dx| |dy| / sigma^2
        # centre sums first, so that identical boxes give exactly 0
        offset = ((t_lo + t_hi) - (p_lo + p_hi)) * 0.5
        offset_sq = offset * offset
        # The clamp only acts below float's smallest normal number, where
        # rho_t (< tiny / c^2) makes the angle irrelevant; it gives 0 at
        # sigma = 0 and keeps every gradient finite.
        sigma_sq = offset_sq[..., 0] + offset_sq[..., 1]
        angle_cost = 2 * (offset[..., 0] * offset[..., 1]).abs() / \
            sigma_sq.clamp(min=torch.finfo(dtype).tiny)

        enclose_wh = (torch.maximum(p_hi, t_hi) -
                      torch.minimum(p_lo, t_lo)).clamp(min=eps)
        rho = offset_sq / (enclose_wh * enclose_wh)
        gamma = (2 - angle_cost).unsqueeze(-1)
        distance_cost = -torch.expm1(-gamma * rho).sum(-1)

        omega = (p_wh - t_wh).abs() / torch.maximum(p_wh, t_wh).clamp(min=eps)
        shape_cost = (-torch.expm1(-omega)).pow(theta).sum(-1)
    return dict(
        iou=iou,
        angle_cost=angle_cost,
        distance_cost=distance_cost,
        shape_cost=shape_cost)


def siou_loss(pred: Tensor,
              target: Tensor,
              theta: float = 4.0,
              eps: float = 1e-7,
              box_format: str = 'xyxy') -> Tensor:
    """Per-box SIoU loss ``1 - IoU + (Delta + Omega) / 2``, unreduced.

    Args:
        pred (Tensor): Predicted boxes of shape (N, 4) (or (..., 4)).
        target (Tensor): Target boxes, same shape as ``pred``.
        theta (float): Shape-cost exponent, >= 1. Defaults to 4.0.
        eps (float): Guard for degenerate boxes. Defaults to 1e-7.
        box_format (str): ``'xyxy'`` or ``'xywh'``. Defaults to ``'xyxy'``.

    Returns:
        Tensor: Loss of shape (N,), float32 (float64 for float64 input).

    Raises:
        ValueError: See :func:`siou_cost_terms`.
    """
    terms = siou_cost_terms(pred, target, theta, eps, box_format)
    return 1 - terms['iou'] + 0.5 * (terms['distance_cost'] +
                                     terms['shape_cost'])


@MODELS.register_module()
class PaperSIoULoss(BaseLoss):
    """The paper's SIoU loss with mmdet's loss interface (usable as any
    head's ``loss_bbox``).

    Unlike mmdet 3.3's ``SIoULoss`` (whose default ``neg_gamma=False`` is the
    ``exp(+gamma * rho)`` variant), this is the paper's formula, with
    ``theta`` exposed and no clamping of the result. See the module
    docstring for numerics and error behaviour.

    Called as ``loss(pred, target, weight=None, avg_factor=None,
    reduction_override=None, **kwargs)`` (:meth:`BaseLoss.forward`) with
    boxes (N, 4), a per-box ``weight`` (N,) or (N, 4) (averaged over the
    last dim, as in mmdet); extra keyword arguments are ignored, as by
    mmdet's IoU losses. With no boxes the reduced loss is 0 (in the graph),
    not the NaN of a mean over nothing.

    Args:
        theta (float): Shape-cost exponent. Defaults to 4.0.
        eps (float): Guard for degenerate boxes. Defaults to 1e-7.
        box_format (str): ``'xyxy'`` or ``'xywh'``. Defaults to ``'xyxy'``.
        **kwargs: ``reduction``, ``loss_weight`` and ``init_cfg`` of
            :class:`BaseLoss`.
    """

    empty_reduces_to_zero = True

    def __init__(self,
                 theta: float = 4.0,
                 eps: float = 1e-7,
                 box_format: str = 'xyxy',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        check_range(theta, 'PaperSIoULoss', 'theta', 1)
        if box_format not in BOX_FORMATS:
            raise ValueError(f'PaperSIoULoss: box_format must be one of '
                             f'{BOX_FORMATS}, got {box_format!r}')
        self.theta = theta
        self.eps = eps
        self.box_format = box_format

    def unreduced_loss(self, pred: Tensor, target: Tensor,
                       **kwargs) -> Tensor:
        """Per-box loss (N,) of boxes ``pred`` and ``target`` (N, 4), see
        :func:`siou_loss`; ``kwargs`` are ignored."""
        return siou_loss(pred, target, theta=self.theta, eps=self.eps,
                         box_format=self.box_format)

    def fit_weight(self, weight: Tensor, loss: Tensor) -> Tensor:
        """A per-box weight (N,) as given; one of the boxes' shape (N, 4)
        averaged over the last dim, as in mmdet.

        Args:
            weight (Tensor): (N,) or (N, 4).
            loss (Tensor): Per-box loss, (N,).

        Returns:
            Tensor: Weight (N,).
        """
        if weight.dim() == loss.dim() + 1:
            if weight.shape != (*loss.shape, 4):
                raise ValueError('PaperSIoULoss: a 2-d weight must have '
                                 'the shape of pred '
                                 f'{(*loss.shape, 4)}, got '
                                 f'{tuple(weight.shape)}')
            return weight.mean(-1)
        if weight.shape != loss.shape:
            raise ValueError(f'PaperSIoULoss: weight shape '
                             f'{tuple(weight.shape)} does not match the '
                             f'number of boxes {tuple(loss.shape)}')
        return weight
