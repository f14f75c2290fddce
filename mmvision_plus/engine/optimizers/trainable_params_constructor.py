"""An optimizer that holds only the parameters that train."""
import logging
from typing import List, Optional

from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from mmvision_plus.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TrainableParamsOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor without the frozen parameters.

    mmengine puts every parameter into the optimizer, frozen ones
    (``requires_grad=False``) too: they get no gradient, so Adam keeps no
    state for them, but they stay in the parameter groups (and SGD with
    weight decay on a frozen parameter that once had a gradient still moves
    it). Here a parameter that does not require a gradient when the
    optimizer is built is left out entirely, so stage-wise training (VLMo)
    really freezes what its stage freezes. ``paramwise_cfg`` works as in
    mmengine.

    Raises:
        ValueError: If no parameter is trainable.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        # a non-empty paramwise_cfg makes mmengine build parameter groups
        # (through add_params) instead of passing model.parameters()
        super().__init__(optim_wrapper_cfg,
                         paramwise_cfg or dict(bypass_duplicate=False))

    def add_params(self, params: List[dict], module: nn.Module,
                   prefix: str = '', is_dcn_module=None) -> None:
        """mmengine's groups, those of frozen parameters dropped (and not
        logged one by one, as mmengine does)."""
        logger = MMLogger.get_current_instance()
        level = logger.level
        logger.setLevel(max(level, logging.ERROR))
        try:
            super().add_params(params, module, prefix, is_dcn_module)
        finally:
            logger.setLevel(level)
        params[:] = [g for g in params if g['params'][0].requires_grad]
        if prefix:
            return
        if not params:
            raise ValueError(f'{type(self).__name__}: the model has no '
                             'trainable parameter')
        frozen = sum(not p.requires_grad for p in module.parameters())
        logger.info(f'{type(self).__name__}: {len(params)} trainable '
                    f'parameters in the optimizer, {frozen} frozen left out')
