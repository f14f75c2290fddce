"""The --threads / --seed options of the benchmark and profiling tools."""
import argparse

import torch

from mmvision_plus.utils.benchmark_cli import (add_threads,
                                               add_threads_and_seed,
                                               apply_threads)


def parse(*argv: str, default_threads=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_threads_and_seed(parser, default_threads)
    return parser.parse_args(list(argv))


def threads_after_apply(args: argparse.Namespace) -> int:
    """torch's threads after ``apply_threads(args)`` from 2 (restored)."""
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        apply_threads(args)
        return torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def test_defaults_leave_threads_unchanged():
    args = parse()
    assert (args.threads, args.seed) == (None, 0)
    before = torch.get_num_threads()
    apply_threads(args)
    assert torch.get_num_threads() == before


def test_threads_and_seed_given():
    args = parse('--threads', '1', '--seed', '7')
    assert args.seed == 7
    assert threads_after_apply(args) == 1


def test_tool_default_threads_applied():
    """A tool whose timings are single-threaded by default
    (benchmark_retrieval_metric.py) sets its default when not given."""
    args = parse(default_threads=1)
    assert (args.threads, args.seed) == (1, 0)
    assert threads_after_apply(args) == 1


def test_threads_without_seed():
    """``add_threads`` alone (benchmark_retrieval.py train): no --seed."""
    parser = argparse.ArgumentParser()
    add_threads(parser)
    args = parser.parse_args(['--threads', '3'])
    assert args.threads == 3 and not hasattr(args, 'seed')
