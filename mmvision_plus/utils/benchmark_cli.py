"""Command-line options the benchmark and profiling tools share.

``tools/analysis_tools/benchmark_losses.py``, ``benchmark_ms_deform_attn.py``,
``benchmark_glee.py``, ``benchmark_retrieval.py``,
``benchmark_retrieval_metric.py`` and ``profile_detr_cpu.py`` take the same
``--threads`` (and ``--seed``) and apply ``--threads`` the same way.
"""
import argparse
from typing import Optional

import torch


def add_threads(parser: argparse.ArgumentParser,
                default: Optional[int] = None) -> None:
    """Add ``--threads`` (torch's intra-op threads, set by
    :func:`apply_threads`).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        default (int, optional): Threads when the option is not given;
            None (default) leaves torch's setting unchanged.
    """
    unchanged = 'unchanged' if default is None else default
    parser.add_argument('--threads', type=int, default=default,
                        help=f'torch.set_num_threads (default: {unchanged})')


def add_threads_and_seed(parser: argparse.ArgumentParser,
                         default_threads: Optional[int] = None) -> None:
    """Add ``--threads`` (:func:`add_threads`) and ``--seed`` (default 0).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        default_threads (int, optional): Default of ``--threads``; None
            (default) leaves torch's setting unchanged.
    """
    add_threads(parser, default_threads)
    parser.add_argument('--seed', type=int, default=0)


def apply_threads(args: argparse.Namespace) -> None:
    """Set torch's intra-op threads to ``args.threads`` when it is given
    (None or 0 leaves them unchanged).

    Args:
        args (argparse.Namespace): Parsed options of :func:`add_threads`
            or :func:`add_threads_and_seed`.
    """
    if args.threads:
        torch.set_num_threads(args.threads)
