"""The base of our losses: mmdet's call convention and one reduction path.

Every loss of the package that reduces per-element (or per-sample) terms
subclasses :class:`BaseLoss`. It owns the two arguments of mmdet's loss
modules, ``reduction`` and ``loss_weight``, validates ``reduction`` and
``reduction_override`` in one place (:func:`check_reduction`), and reduces
with mmdet's :func:`~mmdet.models.losses.utils.weight_reduce_loss`, so that
``weight``, ``avg_factor`` and ``reduction_override`` mean exactly what they
mean for mmdet's losses (``'mean'`` with ``avg_factor`` is ``sum / (avg_factor
+ float32 eps)``).

It is a template: :meth:`BaseLoss.forward` is mmdet's ``loss(pred, target,
weight=None, avg_factor=None, reduction_override=None)`` and computes
``loss_weight * reduce(unreduced_loss(pred, target))``. A loss defines
:meth:`BaseLoss.unreduced_loss` (its formula and input checks) and, where
needed, one of the small hooks: :meth:`BaseLoss.valid_targets` (elements
without a target, e.g. an ignore label) and :meth:`BaseLoss.fit_weight`
(weight shapes other than broadcastable ones). Losses called with other
inputs (a batch of pairs, token losses with soft targets, self-distillation)
keep their own ``forward`` and reduce with :meth:`BaseLoss.reduce_loss`.
"""
from typing import Optional, Sequence, Union

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


def check_logits_and_labels(logits: Tensor, labels: Tensor, owner: str,
                            label_dims: Sequence[str] = ('N', ),
                            num_classes: Union[int, str] = 'C') -> None:
    """Check class scores (*S, K) against one integer label per row (*S,).

    Args:
        logits (Tensor): Scores, shape (*S, K).
        labels (Tensor): Labels, shape (*S,).
        owner (str): Name of the loss, for the error message.
        label_dims (Sequence[str]): Names of the dims of S, for the message
            and their number. Defaults to ``('N',)``.
        num_classes (int | str): K if it is fixed, else its name for the
            message. Defaults to ``'C'``.

    Raises:
        ValueError: If the shapes do not fit; the message names ``owner``,
            the expected layout and both shapes.
    """
    fits = (logits.dim() == len(label_dims) + 1
            and labels.shape == logits.shape[:-1])
    if isinstance(num_classes, int):
        fits = fits and logits.size(-1) == num_classes
    if not fits:
        rows = ', '.join(label_dims)
        label_layout = f'({rows},)' if len(label_dims) == 1 else f'({rows})'
        raise ValueError(
            f'{owner} expects logits ({rows}, {num_classes}) and labels '
            f'{label_layout}, got {tuple(logits.shape)} and '
            f'{tuple(labels.shape)}')


class BaseLoss(BaseModule):
    """A loss with mmdet's ``reduction`` / ``loss_weight`` arguments.

    Subclasses called as ``loss(pred, target, ...)`` implement
    :meth:`unreduced_loss`; :meth:`forward` weights, reduces and multiplies
    by ``loss_weight``. Subclasses with other inputs override
    :meth:`forward` and reduce with :meth:`reduce_loss` (``loss_weight`` is
    then theirs to apply).

    Args:
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
            Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    #: Whether a reduced loss over no elements is 0 (kept in the graph)
    #: rather than the NaN of mmdet's ``'mean'`` over nothing; set by losses
    #: whose callers may have nothing to score (a box loss without boxes).
    empty_reduces_to_zero: bool = False

    def __init__(self,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.reduction = check_reduction(reduction, type(self).__name__)
        self.loss_weight = loss_weight

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> Tensor:
        """``loss_weight`` times the weighted, reduced unreduced loss.

        Args:
            pred (Tensor): Prediction, shape as :meth:`unreduced_loss`
                documents, e.g. (N, C).
            target (Tensor): Target of ``pred``.
            weight (Tensor, optional): Element-wise weight, broadcastable to
                the unreduced loss after :meth:`fit_weight`. Defaults to
                None.
            avg_factor (float, optional): Divisor of the summed loss for
                ``'mean'``. Defaults to None.
            reduction_override (str, optional): Overrides ``reduction``.
            **kwargs: Further inputs of :meth:`unreduced_loss`.

        Returns:
            Tensor: Scalar, or the unreduced loss's shape for ``'none'``.
        """
        reduction = self.resolve_reduction(reduction_override)
        loss = self.unreduced_loss(pred, target, **kwargs)
        return self.loss_weight * self.reduce_loss(
            loss, weight, avg_factor, reduction,
            self.valid_targets(pred, target))

    def unreduced_loss(self, pred: Tensor, target: Tensor) -> Tensor:
        """The loss of every element (or sample), before any reduction.

        Implemented by each loss called through :meth:`forward`: its formula
        and the checks of its inputs.

        Args:
            pred (Tensor): Prediction, e.g. (N, C).
            target (Tensor): Target of ``pred``.

        Returns:
            Tensor: Unreduced loss, e.g. (N, C) or (N,).
        """
        raise NotImplementedError(
            f'{type(self).__name__} does not define unreduced_loss')

    def valid_targets(self, pred: Tensor,
                      target: Tensor) -> Optional[Tensor]:
        """Which leading elements of the unreduced loss have a target.

        Args:
            pred (Tensor): As :meth:`unreduced_loss`.
            target (Tensor): As :meth:`unreduced_loss`.

        Returns:
            Tensor or None: Mask over the leading dims of the unreduced loss
            (see :meth:`reduce_loss`), or None (the default) when every
            element has one.
        """
        return None

    def fit_weight(self, weight: Tensor, loss: Tensor) -> Tensor:
        """Bring a ``weight`` to a shape that broadcasts to ``loss``.

        The default accepts it as given (mmdet's ``weight_reduce_loss``
        broadcasts); losses that accept other weight shapes override this.

        Args:
            weight (Tensor): The caller's weight.
            loss (Tensor): Unreduced loss.

        Returns:
            Tensor: Weight broadcastable to ``loss``.
        """
        return weight

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
                    reduction_override: Optional[str] = None,
                    valid: Optional[Tensor] = None) -> Tensor:
        """Weight and reduce an unreduced loss (``loss_weight`` not applied).

        Args:
            loss (Tensor): Unreduced loss, any shape.
            weight (Tensor, optional): Element-wise weight, broadcastable to
                ``loss`` after :meth:`fit_weight`. Defaults to None.
            avg_factor (float, optional): Divisor of the summed loss for
                ``'mean'``. Defaults to None.
            reduction_override (str, optional): Overrides ``reduction``.
            valid (Tensor, optional): Bool or 0/1 mask of shape
                ``loss.shape[:k]`` marking the elements with a target: the
                others are weighted 0, and ``'mean'`` without ``avg_factor``
                averages over the valid elements only (at least one).
                Defaults to None (all valid).

        Returns:
            Tensor: Scalar (0 for an empty ``loss`` if
            :attr:`empty_reduces_to_zero`), or ``loss``'s shape for
            ``'none'``.

        Raises:
            ValueError: On a bad ``reduction_override``, a weight that
                :meth:`fit_weight` rejects, or ``avg_factor`` with ``'sum'``
                (the message names the loss class).
        """
        reduction = self.resolve_reduction(reduction_override)
        if weight is not None:
            weight = self.fit_weight(weight, loss)
        if self.empty_reduces_to_zero and loss.numel() == 0 and \
                reduction != 'none':
            return loss.sum() * 0
        if avg_factor is not None and reduction == 'sum':
            raise ValueError(f'{type(self).__name__}: avg_factor can not be '
                             "used with reduction='sum'")
        if valid is not None:
            valid_weight = valid.to(loss.dtype).view(
                *valid.shape, *([1] * (loss.dim() - valid.dim())))
            weight = valid_weight if weight is None else weight * valid_weight
            if reduction == 'mean' and avg_factor is None:
                elements_per_target = loss.numel() // max(valid.numel(), 1)
                avg_factor = float(valid.sum().clamp(
                    min=1)) * elements_per_target
        return weight_reduce_loss(loss, weight, reduction, avg_factor)
