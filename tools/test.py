"""Evaluate a checkpoint with an mmvision_plus (or mmdet) config.

Same interface as mmdet's ``tools/test.py``::

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out RESULTS.pkl]
        [--show] [--show-dir DIR] [--wait-time S] [--cfg-options k=v ...]
        [--launcher pytorch]
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.evaluator import DumpResults

import mmvision_plus  # noqa: F401  (safe checkpoint loading)
from mmvision_plus.utils import (register_all_modules, teardown_distributed,
                                 tool_helpers)


def parse_args() -> argparse.Namespace:
    parser = tool_helpers.make_runner_parser(
        'Test (and eval) a model', config_help='test config file path',
        work_dir_help='the dir to save the metrics')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', type=str,
                        help='dump predictions to a pickle file')
    parser.add_argument('--show', action='store_true',
                        help='show prediction results')
    parser.add_argument('--show-dir',
                        help='directory (inside the work dir) where painted '
                        'images are saved')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='the interval of show (s)')
    return tool_helpers.parse_runner_args(parser)


def enable_visualization(cfg: Config, args: argparse.Namespace) -> None:
    """Turn on the visualization hook for ``--show`` / ``--show-dir``."""
    hooks = cfg.default_hooks
    if 'visualization' not in hooks:
        raise KeyError('--show/--show-dir need a `visualization` hook in '
                       '`default_hooks` (e.g. mmdet.DetVisualizationHook)')
    hooks.visualization.draw = True
    if args.show:
        hooks.visualization.show = True
        hooks.visualization.wait_time = args.wait_time
    if args.show_dir:
        hooks.visualization.test_out_dir = args.show_dir


def main() -> None:
    args = parse_args()
    register_all_modules(init_default_scope=False)

    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint} does not '
                                'exist')
    cfg = tool_helpers.load_runner_config(args)
    cfg.load_from = args.checkpoint

    if args.show or args.show_dir:
        enable_visualization(cfg, args)

    runner = tool_helpers.build_runner(cfg)

    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must be a .pkl/.pickle file, got '
                             f'{args.out}')
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))

    runner.test()
    teardown_distributed()


if __name__ == '__main__':
    main()
