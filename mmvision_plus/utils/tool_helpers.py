"""What ``tools/train.py`` and ``tools/test.py`` share.

mmdet repeats these pieces in each script; here both import them, so the
two command lines and their config handling cannot drift apart.
"""
import argparse
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .dist import setup_cpu_distributed

#: How a config may name the record hook (replaced by ``--record``).
RECORD_HOOK_TYPES = ('ResultRecordHook', 'mmvision_plus.ResultRecordHook')


def make_runner_parser(description: str, config_help: str,
                       work_dir_help: str) -> argparse.ArgumentParser:
    """A parser with the positional ``config`` and ``--work-dir``.

    Args:
        description (str): What the tool does.
        config_help (str): Help of ``config``.
        work_dir_help (str): Help of ``--work-dir``.

    Returns:
        argparse.ArgumentParser: The parser, for the tool's own arguments.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', help=config_help)
    parser.add_argument('--work-dir', help=work_dir_help)
    return parser


def parse_runner_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Add the options every Runner tool has, parse, export ``LOCAL_RANK``.

    The options are ``--cfg-options k=v ...``, ``--launcher`` and
    ``--local_rank`` (``--local-rank``), as in mmdet's tools, and
    ``--record PATH`` (the run's results record, see
    :class:`~mmvision_plus.engine.hooks.ResultRecordHook`), after the
    tool's own.

    Args:
        parser (argparse.ArgumentParser): From :func:`make_runner_parser`,
            with the tool's own arguments added.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config, key=value pairs')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument(
        '--record', metavar='PATH.json',
        help='write the results record of this run (training: settings, '
        'environment, per-validation metrics; test: metrics) to this JSON, '
        'e.g. configs/<algo>/results/<config>_seed<k>.json')
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def load_runner_config(args: argparse.Namespace) -> Config:
    """Load ``args.config`` with the launcher, overrides and work dir.

    The work dir is ``--work-dir`` if given, else the config's
    ``work_dir``, else ``./work_dirs/<config name>``. ``--record PATH``
    adds a :class:`~mmvision_plus.engine.hooks.ResultRecordHook` (or sets
    the path of the one the config has).

    Args:
        args (argparse.Namespace): From :func:`parse_runner_args`.

    Returns:
        Config: The config to build the Runner from.
    """
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.record is not None:
        add_record_hook(cfg, args.record, args.cfg_options)
    return cfg


def add_record_hook(cfg: Config, path: str,
                    cfg_options: Optional[dict]) -> None:
    """Make the run write its results record to ``path``.

    Args:
        cfg (Config): The config; its ``custom_hooks`` get the hook.
        path (str): The record file.
        cfg_options (dict, optional): The ``--cfg-options``, recorded.
    """
    hooks = [hook for hook in cfg.get('custom_hooks') or []
             if hook.get('type') not in RECORD_HOOK_TYPES]
    hooks.append(dict(type='mmvision_plus.ResultRecordHook', path=path,
                      cfg_options=cfg_options))
    cfg.custom_hooks = hooks


def build_runner(cfg: Config) -> Runner:
    """Build the config's Runner (``runner_type`` if set), CPU DDP included.

    Args:
        cfg (Config): The complete config.

    Returns:
        Runner: The built runner.
    """
    setup_cpu_distributed(cfg)
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)
