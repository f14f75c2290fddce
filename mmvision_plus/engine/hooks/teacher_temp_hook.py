"""Teacher temperature warm-up of DINO / DINOv2."""
from typing import Optional

from mmengine.hooks import Hook

from mmvision_plus.registry import HOOKS
from mmvision_plus.utils.arg_checks import check_range
from ._model_utils import iters_per_epoch, unwrap_model


def teacher_temp_at(iteration: int, start: float, end: float,
                    warmup_iters: int) -> float:
    """Official schedule: ``linspace(start, end, W)[i]`` for ``i < W``, then
    ``end`` (the warm-up reaches ``end`` at its last iteration ``W - 1``)."""
    if iteration >= warmup_iters:
        return end
    if warmup_iters == 1:
        return start
    return start + (end - start) * iteration / (warmup_iters - 1)


@HOOKS.register_module()
class TeacherTempWarmupHook(Hook):
    """Set the model's teacher temperature before every training iteration.

    The temperature rises linearly from ``start`` to ``end`` over the warm-up
    and stays at ``end`` afterwards (DINOv2: 0.04 -> 0.07 over 30 epochs), see
    :func:`teacher_temp_at`. It is a function of ``runner.iter`` only, so
    resumed runs continue the schedule. mmengine's parameter schedulers act
    on optimizer groups, not on model attributes, hence this hook.

    Args:
        start: Temperature at iteration 0. Defaults to 0.04.
        end: Temperature after the warm-up. Defaults to 0.07.
        warmup_epochs: Warm-up length in epochs of the train dataloader.
        warmup_iters: Warm-up length in iterations (overrides the epochs).
        attr: Model attribute to set. Defaults to ``'teacher_temp'``.
    """

    priority = 'NORMAL'

    def __init__(self,
                 start: float = 0.04,
                 end: float = 0.07,
                 warmup_epochs: int = 30,
                 warmup_iters: Optional[int] = None,
                 attr: str = 'teacher_temp') -> None:
        if (warmup_iters if warmup_iters is not None else warmup_epochs) < 0:
            raise ValueError('TeacherTempWarmupHook: the warm-up length must '
                             'be >= 0')
        self.start = check_range(start, 'TeacherTempWarmupHook', 'start', 0,
                                 low_open=True)
        self.end = check_range(end, 'TeacherTempWarmupHook', 'end', 0,
                               low_open=True)
        self.warmup_epochs = warmup_epochs
        self.warmup_iters = warmup_iters
        self.attr = attr

    def _warmup_iters(self, runner) -> int:
        if self.warmup_iters is not None:
            return self.warmup_iters
        return self.warmup_epochs * iters_per_epoch(runner)

    def before_train(self, runner) -> None:
        model = unwrap_model(runner.model)
        if not hasattr(model, self.attr):
            raise AttributeError(
                f'TeacherTempWarmupHook: {type(model).__name__} has no '
                f'attribute {self.attr!r} to schedule')

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        value = teacher_temp_at(runner.iter, self.start, self.end,
                                self._warmup_iters(runner))
        setattr(unwrap_model(runner.model), self.attr, value)
        runner.message_hub.update_scalar('train/teacher_temp', value)
