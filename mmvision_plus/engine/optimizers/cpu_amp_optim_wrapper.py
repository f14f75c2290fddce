"""Mixed precision on CPU: bfloat16 autocast for training."""
from contextlib import contextmanager
from typing import Iterator, Union

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mmvision_plus.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` that runs the forward pass under CPU autocast.

    mmengine's ``AmpOptimWrapper`` requires CUDA (it is built around
    ``GradScaler``). On CPU, bfloat16 autocast needs no loss scaling: it has
    float32's exponent range. ``tools/train.py --amp`` selects this wrapper
    when no GPU is present; parameters and optimizer state stay float32.

    Args:
        dtype (str | torch.dtype): Autocast dtype. Defaults to ``bfloat16``.
        **kwargs: Passed to :class:`~mmengine.optim.OptimWrapper`.
    """

    def __init__(self, dtype: Union[str, torch.dtype] = 'bfloat16', **kwargs):
        super().__init__(**kwargs)
        if isinstance(dtype, str):
            if not isinstance(getattr(torch, dtype, None), torch.dtype):
                raise ValueError(f'CPUAutocastOptimWrapper: unknown dtype '
                                 f'{dtype!r}')
            dtype = getattr(torch, dtype)
        self.cast_dtype = dtype

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield
