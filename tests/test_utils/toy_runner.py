"""A Runner config that trains in about a second, for checkpoint tests.

A linear regressor on 8 fixed samples, trained by mmengine's Runner with the
pieces whose state a Runner checkpoint carries: SGD with momentum (optimizer
state), two parameter schedulers, a dataset with ``metainfo``
(``meta['dataset_meta']``), a seed, an experiment name, CheckpointHook
bookkeeping (``keep_ckpt_ids``, ``last_ckpt``) and, through
:class:`CkptTestBuffersHook`, message-hub buffers that are empty, integer and
float, plus numpy runtime info.

Import this module (``custom_imports`` in a subprocess) to register the toy
classes in mmengine's root registries; the names are prefixed ``CkptTest``
so they collide with nothing upstream.
"""
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.registry import DATASETS, HOOKS, METRICS, MODELS
from torch import nn
from torch.utils.data import Dataset

MODULE = __name__
# Message-hub entries CkptTestBuffersHook adds, checked after a reload.
EMPTY_BUFFER_KEY = 'ckpt_test/never_updated'
INT_BUFFER_KEY = 'ckpt_test/int_count'
NUMPY_INFO_KEY = 'ckpt_test/numpy_info'


@MODELS.register_module()
class CkptTestRegressor(BaseModel):
    """``y = w x + b`` for 2-d inputs ``x`` (B, 2) and targets (B, 1)."""

    def __init__(self, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs: List[torch.Tensor],
                data_samples: Optional[List[torch.Tensor]] = None,
                mode: str = 'tensor') -> Any:
        prediction = self.linear(torch.stack(inputs))  # (B, 1)
        if mode == 'tensor':
            return prediction
        target = torch.stack(data_samples)  # (B, 1)
        if mode == 'loss':
            return dict(loss=F.mse_loss(prediction, target))
        return list(zip(prediction, target))  # mode == 'predict'


@DATASETS.register_module()
class CkptTestDataset(Dataset):
    """8 fixed samples of ``y = x0 - 2 x1 + 0.5``."""

    metainfo = dict(classes=('low', 'high'), palette=[(0, 0, 255),
                                                       (255, 0, 0)])

    def __init__(self) -> None:
        generator = torch.Generator().manual_seed(0)
        self.inputs = torch.randn(8, 2, generator=generator)
        self.targets = (self.inputs[:, :1] - 2 * self.inputs[:, 1:] + 0.5)

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int) -> Dict[str, torch.Tensor]:
        return dict(inputs=self.inputs[index],
                    data_samples=self.targets[index])


@METRICS.register_module()
class CkptTestMSEMetric(BaseMetric):
    """Mean squared error of the regressor's predictions."""

    default_prefix = 'toy'

    def process(self, data_batch: Any, data_samples: Sequence) -> None:
        for prediction, target in data_samples:
            self.results.append(float((prediction - target).pow(2).sum()))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        return dict(mse=float(np.mean(results)))


@HOOKS.register_module()
class CkptTestBuffersHook(Hook):
    """Puts an empty, an integer and a numpy entry into the message hub.

    Runs after each training epoch, before CheckpointHook (priority
    VERY_LOW) saves, so every checkpoint holds them.
    """

    def after_train_epoch(self, runner) -> None:
        hub = runner.message_hub
        hub.load_state_dict(dict(
            log_scalars={EMPTY_BUFFER_KEY: HistoryBuffer()},
            runtime_info={NUMPY_INFO_KEY: np.arange(3, dtype=np.int32)},
            resumed_keys={EMPTY_BUFFER_KEY: True, NUMPY_INFO_KEY: True}))
        hub.update_scalar(INT_BUFFER_KEY, runner.epoch + 1)  # int64 buffer


def toy_config(work_dir: str, max_epochs: int = 2,
               extra_imports: Sequence[str] = ()) -> Dict[str, Any]:
    """The toy Runner config as a dict.

    Args:
        work_dir (str): The Runner's work dir; its full path also names
            the experiment (mmengine shares one MessageHub between Runners
            of one experiment name in a process, so the name must be
            unique per test).
        max_epochs (int): Epochs to train (2 iterations each).
        extra_imports (Sequence[str]): Further ``custom_imports``.
    """
    loader = dict(dataset=dict(type='CkptTestDataset'),
                  sampler=dict(type='DefaultSampler', shuffle=False),
                  batch_size=4, num_workers=0)
    return dict(
        model=dict(type='CkptTestRegressor'),
        work_dir=work_dir,
        experiment_name=osp.abspath(work_dir).strip(osp.sep).replace(
            osp.sep, '_'),
        train_dataloader=loader,
        val_dataloader=loader,
        test_dataloader=loader,
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs,
                       val_interval=max_epochs),
        val_cfg=dict(),
        test_cfg=dict(),
        val_evaluator=dict(type='CkptTestMSEMetric'),
        test_evaluator=dict(type='CkptTestMSEMetric'),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05,
                                          momentum=0.9)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.5, by_epoch=False, begin=0,
                 end=2),
            dict(type='MultiStepLR', milestones=[2], by_epoch=True),
        ],
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1,
                            max_keep_ckpts=3),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[dict(type='CkptTestBuffersHook')],
        randomness=dict(seed=0),
        custom_imports=dict(imports=[MODULE, *extra_imports],
                            allow_failed_imports=False),
    )


def write_toy_config(path: str, work_dir: str, **kwargs: Any) -> str:
    """Write :func:`toy_config` as a config file for the tools.

    Returns:
        str: ``path``.
    """
    lines = [f'{key} = {value!r}'
             for key, value in toy_config(work_dir, **kwargs).items()]
    with open(path, 'w') as file:
        file.write('\n'.join(lines) + '\n')
    return path
