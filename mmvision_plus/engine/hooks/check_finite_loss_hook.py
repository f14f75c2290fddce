"""Stop training the moment the loss stops being finite."""
import math
from typing import Optional, Sequence, Union

import torch
from mmengine.hooks import Hook

from mmvision_plus.registry import HOOKS
from mmvision_plus.utils.arg_checks import check_range


@HOOKS.register_module()
class CheckFiniteLossHook(Hook):
    """Raise ``FloatingPointError`` when a training loss becomes NaN or inf.

    mmdet's ``CheckInvalidLossHook`` is off by default and fails with a bare
    assertion; a run that goes NaN then keeps "training" for epochs without a
    word. This hook checks every ``interval`` iterations and names the
    iteration, the epoch and the loss terms that are not finite.

    Args:
        interval (int): Check every ``interval`` training iterations.
            Defaults to 1 (the check is a handful of scalar reads).
    """

    priority = 'VERY_LOW'

    def __init__(self, interval: int = 1) -> None:
        self.interval = check_range(interval, 'CheckFiniteLossHook',
                                    'interval', 1)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Union[dict, tuple, list, None] = None,
                         outputs: Optional[dict] = None) -> None:
        if outputs is None or not self.every_n_train_iters(
                runner, self.interval):
            return
        bad = {}
        for name, value in outputs.items():
            values: Sequence = value if isinstance(value,
                                                   (list, tuple)) else [value]
            for v in values:
                scalar = float(v.detach().float().sum()) if isinstance(
                    v, torch.Tensor) else float(v)
                if not math.isfinite(scalar):
                    bad[name] = scalar
        if bad:
            terms = ', '.join(f'{k}={v}' for k, v in bad.items())
            raise FloatingPointError(
                f'Training loss is not finite at iteration {runner.iter + 1} '
                f'(epoch {runner.epoch + 1}): {terms}. Lower the learning '
                'rate, add warm-up or gradient clipping, or check the data.')
