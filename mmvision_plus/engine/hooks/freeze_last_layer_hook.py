"""Keep the prototype (last) layers of the DINO heads fixed at the start."""
from typing import Dict, List, Optional

from mmengine.hooks import Hook

from mmvision_plus.registry import HOOKS
from ._model_utils import iters_per_epoch, optimizers_of, unwrap_model


@HOOKS.register_module()
class FreezeLastLayerHook(Hook):
    """Zero the learning rate of the heads' last layers early in training.

    As the official DINOv2 trainer (its ``last_layer_lr_schedule`` is the lr
    schedule with the first ``freeze_last_layer_epochs`` set to 0): the
    parameters whose name contains ``keyword`` still get gradients (they
    count in gradient clipping and AdamW's moments), but their parameter
    groups get ``lr = 0`` for the optimizer step, so neither the update nor
    the decoupled weight decay changes them. (DINO v1 instead dropped their
    gradients.)

    The lr is set to 0 before each frozen iteration and restored after it,
    before mmengine's ``ParamSchedulerHook`` (priority LOW) steps, so the
    chainable lr schedulers keep computing from the scheduled value.

    The last-layer parameters need parameter groups of their own; the layer
    decay constructors (mmpretrain's and
    :class:`DINOv2LayerDecayOptimWrapperConstructor`) give every parameter its
    own group.

    Args:
        freeze_epochs: Frozen epochs (of the train dataloader). Defaults to 1.
        freeze_iters: Frozen iterations (overrides the epochs).
        keyword: Substring of the frozen parameters' names. Defaults to
            ``'last_layer'``.
    """

    priority = 'NORMAL'

    def __init__(self,
                 freeze_epochs: int = 1,
                 freeze_iters: Optional[int] = None,
                 keyword: str = 'last_layer') -> None:
        self.freeze_epochs = freeze_epochs
        self.freeze_iters = freeze_iters
        self.keyword = keyword
        self._groups: List[dict] = []
        self._saved_lr: Dict[int, float] = {}

    def before_train(self, runner) -> None:
        model = unwrap_model(runner.model)
        frozen = {
            id(p)
            for name, p in model.named_parameters()
            if self.keyword in name and p.requires_grad
        }
        if not frozen:
            raise ValueError(
                f'FreezeLastLayerHook: no trainable parameter of '
                f'{type(model).__name__} has {self.keyword!r} in its name')
        self._groups = []
        for optimizer in optimizers_of(runner):
            for index, group in enumerate(optimizer.param_groups):
                hits = [id(p) in frozen for p in group['params']]
                if any(hits) and not all(hits):
                    raise ValueError(
                        f'FreezeLastLayerHook: optimizer param group {index} '
                        f'mixes {self.keyword!r} parameters with others; use '
                        'a constructor that gives every parameter its own '
                        'group (e.g. DINOv2LayerDecayOptimWrapperConstructor)')
                if any(hits):
                    self._groups.append(group)

    def _frozen_now(self, runner) -> bool:
        limit = self.freeze_iters if self.freeze_iters is not None else \
            self.freeze_epochs * iters_per_epoch(runner)
        return runner.iter < limit

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if not self._frozen_now(runner):
            return
        for group in self._groups:
            self._saved_lr[id(group)] = group['lr']
            group['lr'] = 0.0

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        for group in self._groups:
            if id(group) in self._saved_lr:
                group['lr'] = self._saved_lr.pop(id(group))
