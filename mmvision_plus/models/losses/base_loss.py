"""The base of our losses: mmdet's call convention and one reduction path.

Every loss of the package that reduces per-element (or per-sample) terms
subclasses :class:`BaseLoss`. It owns the two arguments of mmdet's loss
modules, ``reduction`` and ``loss_weight``, validates ``reduction`` and
``reduction_override`` in one place (:func:`check_reduction`), and reduces
with mmdet's :func:`~mmdet.models.losses.utils.weight_reduce_loss`, so that
``weight``, ``avg_factor`` and ``reduction_override`` mean exactly what they
mean for mmdet's losses (``'mean'`` with ``avg_factor`` is ``sum / (avg_factor
+ float32 eps)``).
"""
from typing import Optional

from mmdet.models.losses.utils import weight_reduce_loss
from mmengine.model import BaseModule
from torch import Tensor

REDUCTIONS = ('none', 'mean', 'sum')


def check_reduction(reduction: str,
                    owner: str,
                    argument: str = 'reduction') -> str:
    """Validate a reduction name.

    Args:
        reduction (str): The value to check.
        owner (str): Name of the loss, for the error message.
        argument (str): Name of the argument, for the error message.
            Defaults to ``'reduction'``.

    Returns:
        str: ``reduction``, unchanged.

    Raises:
        ValueError: If ``reduction`` is not one of :data:`REDUCTIONS`; the
            message names ``owner``, ``argument`` and the value.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f'{owner}: {argument} must be one of {REDUCTIONS}, '
                         f'got {reduction!r}')
    return reduction


class BaseLoss(BaseModule):
    """A loss with mmdet's ``reduction`` / ``loss_weight`` arguments.

    Subclasses compute an unreduced loss and reduce it with
    :meth:`reduce_loss`; they multiply the result by ``loss_weight``.

    Args:
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
            Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.reduction = check_reduction(reduction, type(self).__name__)
        self.loss_weight = loss_weight

    def resolve_reduction(self, reduction_override: Optional[str]) -> str:
        """``reduction_override`` if given (validated), else ``reduction``."""
        if reduction_override is None:
            return self.reduction
        return check_reduction(reduction_override, type(self).__name__,
                               'reduction_override')

    def reduce_loss(self,
                    loss: Tensor,
                    weight: Optional[Tensor] = None,
                    avg_factor: Optional[float] = None,
                    reduction_override: Optional[str] = None) -> Tensor:
        """Weight and reduce an unreduced loss (``loss_weight`` not applied).

        Args:
            loss (Tensor): Unreduced loss, any shape.
            weight (Tensor, optional): Element-wise weight, broadcastable to
                ``loss``. Defaults to None.
            avg_factor (float, optional): Divisor of the summed loss for
                ``'mean'``. Defaults to None.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            Tensor: Scalar, or ``loss``'s shape for ``'none'``.

        Raises:
            ValueError: On a bad ``reduction_override``, or ``avg_factor``
                with ``'sum'`` (the message names the loss class).
        """
        reduction = self.resolve_reduction(reduction_override)
        if avg_factor is not None and reduction == 'sum':
            raise ValueError(f'{type(self).__name__}: avg_factor can not be '
                             "used with reduction='sum'")
        return weight_reduce_loss(loss, weight, reduction, avg_factor)
