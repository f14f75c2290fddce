"""Command-line options the benchmark and profiling tools share.

``tools/analysis_tools/benchmark_losses.py``, ``benchmark_ms_deform_attn.py``,
``benchmark_glee.py`` and ``profile_detr_cpu.py`` take the same
``--threads`` and ``--seed`` and apply ``--threads`` the same way.
"""
import argparse

import torch


def add_threads_and_seed(parser: argparse.ArgumentParser) -> None:
    """Add ``--threads`` (torch's intra-op threads) and ``--seed``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument('--threads', type=int, default=None,
                        help='torch.set_num_threads (default: unchanged)')
    parser.add_argument('--seed', type=int, default=0)


def apply_threads(args: argparse.Namespace) -> None:
    """Set torch's intra-op threads to ``args.threads`` when it is given
    (None or 0 leaves them unchanged).

    Args:
        args (argparse.Namespace): Parsed options of
            :func:`add_threads_and_seed`.
    """
    if args.threads:
        torch.set_num_threads(args.threads)
