"""Helpers shared by the hooks."""
from mmengine.model import is_model_wrapper
from torch import nn


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model inside a DDP / FSDP wrapper, or the model itself."""
    return model.module if is_model_wrapper(model) else model


def iters_per_epoch(runner) -> int:
    """Training iterations per epoch (the train dataloader's length)."""
    return len(runner.train_dataloader)


def optimizers_of(runner) -> list:
    """The torch optimizers of the runner's optim wrapper (or wrapper dict)."""
    wrapper = runner.optim_wrapper
    wrappers = wrapper.optim_wrappers.values() if hasattr(
        wrapper, 'optim_wrappers') else [wrapper]
    return [w.optimizer for w in wrappers]
