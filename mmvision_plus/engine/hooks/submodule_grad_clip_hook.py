"""Gradient-norm clipping per sub-module, as the official DINOv2 trainer."""
from typing import Optional, Sequence

import torch
from mmengine.hooks import Hook

from mmvision_plus.registry import HOOKS
from ._model_utils import optimizers_of, unwrap_model


@HOOKS.register_module()
class SubmoduleGradClipHook(Hook):
    """Clip the gradient norm of every sub-module separately before a step.

    The official DINOv2 trainer calls ``clip_grad_norm_(3.0)`` on each part of
    the student (backbone, DINO head, iBOT head) on its own; mmengine's
    ``optim_wrapper.clip_grad`` clips all parameters jointly, so a large head
    gradient would shrink the backbone's. This hook registers an optimizer
    step pre-hook (it runs after ``GradScaler.unscale_`` under AMP and inside
    any optim wrapper) that clips each sub-module with
    ``torch.nn.utils.clip_grad_norm_`` and logs its norm as
    ``train/grad_norm_<name>``. Do not also set ``optim_wrapper.clip_grad``.

    Args:
        max_norm: Largest gradient norm of each sub-module. Defaults to 3.0.
        submodules: Names of the model's sub-modules (dotted paths) to clip;
            None: every direct child with trainable parameters.
        norm_type: p of the p-norm. Defaults to 2.
    """

    priority = 'NORMAL'

    def __init__(self,
                 max_norm: float = 3.0,
                 submodules: Optional[Sequence[str]] = None,
                 norm_type: float = 2.0) -> None:
        if max_norm <= 0:
            raise ValueError('SubmoduleGradClipHook: max_norm must be > 0, '
                             f'got {max_norm}')
        self.max_norm = max_norm
        self.submodules = submodules
        self.norm_type = norm_type
        self._handles: list = []

    def before_train(self, runner) -> None:
        model = unwrap_model(runner.model)
        if self.submodules is None:
            names = [name for name, child in model.named_children()
                     if any(p.requires_grad for p in child.parameters())]
        else:
            names = list(self.submodules)
        parts = {}
        for name in names:
            try:
                module = model.get_submodule(name)
            except AttributeError:
                raise ValueError(f'SubmoduleGradClipHook: the model has no '
                                 f'sub-module {name!r}') from None
            parts[name] = [p for p in module.parameters() if p.requires_grad]
        message_hub = runner.message_hub

        def clip(optimizer, args, kwargs) -> None:
            for name, params in parts.items():
                params = [p for p in params if p.grad is not None]
                if params:
                    norm = torch.nn.utils.clip_grad_norm_(
                        params, self.max_norm, norm_type=self.norm_type)
                    message_hub.update_scalar(f'train/grad_norm_{name}',
                                              float(norm))

        self._handles = [
            optimizer.register_step_pre_hook(clip)
            for optimizer in optimizers_of(runner)
        ]

    def after_train(self, runner) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
