"""Train a model with an mmvision_plus (or mmdet) config.

Same interface as mmdet's ``tools/train.py``::

    python tools/train.py CONFIG [--work-dir DIR] [--amp] [--resume [CKPT]]
        [--auto-scale-lr] [--cfg-options k=v ...] [--launcher pytorch]

On a CPU-only machine ``--amp`` trains under bfloat16 autocast and
``--launcher pytorch`` (``tools/dist_train.sh``) runs DDP on gloo.
"""
import argparse
import os.path as osp

from mmengine.config import Config

import mmvision_plus  # noqa: F401  (safe checkpoint loading and saving)
from mmvision_plus.utils import (register_all_modules, teardown_distributed,
                                 tool_helpers)


def parse_args() -> argparse.Namespace:
    parser = tool_helpers.make_runner_parser(
        'Train a model', config_help='train config file path',
        work_dir_help='the dir to save logs and models')
    parser.add_argument(
        '--amp', action='store_true',
        help='mixed precision: fp16 AMP on GPU, bf16 autocast on CPU')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate by the actual total batch size')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or, with no value, from the '
        'latest checkpoint in the work dir')
    return tool_helpers.parse_runner_args(parser)


def apply_amp(cfg: Config) -> None:
    """Switch the config's optimizer wrapper to mixed precision."""
    import torch
    wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper_type in ('AmpOptimWrapper', 'CPUAutocastOptimWrapper'):
        return
    if wrapper_type != 'OptimWrapper':
        raise ValueError(
            f'--amp needs optim_wrapper.type OptimWrapper, got '
            f'{wrapper_type!r}; set the mixed-precision wrapper in the config')
    if torch.cuda.is_available():
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    else:
        cfg.optim_wrapper.type = 'CPUAutocastOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16'


def main() -> None:
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = tool_helpers.load_runner_config(args)

    if args.amp:
        apply_amp(cfg)

    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in \
                cfg.auto_scale_lr:
            raise KeyError('--auto-scale-lr needs `auto_scale_lr.base_batch_'
                           'size` in the config')
        cfg.auto_scale_lr.enable = True

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(f'--resume: checkpoint {args.resume} '
                                    'does not exist')
        cfg.resume = True
        cfg.load_from = args.resume

    tool_helpers.build_runner(cfg).train()
    teardown_distributed()


if __name__ == '__main__':
    main()
