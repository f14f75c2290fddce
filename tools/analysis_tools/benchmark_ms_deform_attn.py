"""Benchmark our CPU multi-scale deformable attention against mmcv's.

Times ``multi_scale_deformable_attn_cpu`` (``mmvision_plus.models.layers``)
and mmcv's ``multi_scale_deformable_attn_pytorch`` (what mmcv 2.1.0 runs on
CPU) on the shapes of a DETR encoder (queries = all value tokens) and
decoder (300 queries) at the demo scale (160 px: levels 20x20 .. 3x3) and
the GLEE-Lite scale (800 px: 100x100 .. 13x13), 8 heads, 4 points, 256
dims, random locations around the unit square, for

* ``fwd``: forward under ``torch.no_grad`` (inference),
* ``fwd+bwd``: forward and backward to value, locations and weights,

in float32 and under bf16 autocast (the value in bf16, as a ``Linear``
under autocast produces it; locations and weights in float32). The two
implementations take turns within every repeat (same process), so a change
of machine load hits both alike; the table gives medians, the ratio
``mmcv / ours`` (> 1: ours is faster) and the spread of our repeats
(interquartile range / median) as a noise indicator; ``--record`` also
writes the rows in a results record (command, threads, versions, load).
Example::

    python tools/analysis_tools/benchmark_ms_deform_attn.py --threads 1
    python tools/analysis_tools/benchmark_ms_deform_attn.py \\
        --cases demo-enc demo-dec --dtypes fp32 --repeats 20
"""
import argparse
import statistics
import time
from contextlib import nullcontext
from typing import Callable, Dict, List, Tuple

import torch
from mmcv.ops.multi_scale_deform_attn import \
    multi_scale_deformable_attn_pytorch

from mmvision_plus.models.layers import multi_scale_deformable_attn_cpu
from mmvision_plus.utils.benchmark_cli import (add_threads_and_seed,
                                               apply_threads)
from mmvision_plus.utils.results_record import (add_record_option,
                                                 save_tool_record,
                                                 tool_session)

DEMO_LEVELS = [(20, 20), (10, 10), (5, 5), (3, 3)]
LITE_LEVELS = [(100, 100), (50, 50), (25, 25), (13, 13)]
# name: (levels, queries; None = every value token, as in an encoder)
CASES = {
    'demo-enc': (DEMO_LEVELS, None),
    'demo-dec': (DEMO_LEVELS, 300),
    'lite-enc': (LITE_LEVELS, None),
    'lite-dec': (LITE_LEVELS, 300),
}
IMPLS: Dict[str, Callable] = {
    'mmcv': multi_scale_deformable_attn_pytorch,
    'ours': multi_scale_deformable_attn_cpu,
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--cases', nargs='+', choices=list(CASES),
                        default=list(CASES))
    parser.add_argument('--modes', nargs='+', choices=['fwd', 'fwd+bwd'],
                        default=['fwd', 'fwd+bwd'])
    parser.add_argument('--dtypes', nargs='+', choices=['fp32', 'bf16'],
                        default=['fp32', 'bf16'])
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--num-heads', type=int, default=8)
    parser.add_argument('--num-points', type=int, default=4)
    parser.add_argument('--embed-dims', type=int, default=256)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=2)
    add_threads_and_seed(parser)
    add_record_option(parser)
    return parser.parse_args(argv)


def make_inputs(levels: List[Tuple[int, int]], num_queries, args,
                gen: torch.Generator) -> tuple:
    """Random (value, spatial_shapes, locations, attention weights) in
    float32; locations spread a little beyond [0, 1] like learned offsets."""
    shapes = torch.tensor(levels)
    num_keys = int((shapes[:, 0] * shapes[:, 1]).sum())
    num_queries = num_queries or num_keys
    head_dims = args.embed_dims // args.num_heads
    point_shape = (args.batch_size, num_queries, args.num_heads, len(levels),
                   args.num_points)
    value = torch.randn(args.batch_size, num_keys, args.num_heads, head_dims,
                        generator=gen)
    locations = torch.rand(*point_shape, 2, generator=gen) * 1.1 - 0.05
    weights = torch.rand(*point_shape, generator=gen).softmax(-1)
    return value, shapes, locations, weights


def run_once(fn: Callable, inputs: tuple, mode: str, dtype: str) -> float:
    """Seconds of one forward (or forward + backward) of ``fn``."""
    value, shapes, locations, weights = inputs
    backward = mode == 'fwd+bwd'
    value = value.detach().to(torch.bfloat16 if dtype == 'bf16' else
                              torch.float32).requires_grad_(backward)
    locations = locations.detach().requires_grad_(backward)
    weights = weights.detach().requires_grad_(backward)
    autocast = torch.autocast('cpu', dtype=torch.bfloat16) \
        if dtype == 'bf16' else nullcontext()
    grad_mode = nullcontext() if backward else torch.no_grad()
    start = time.perf_counter()
    with grad_mode, autocast:
        out = fn(value, shapes, locations, weights)
    if backward:
        out.float().sum().backward()
    return time.perf_counter() - start


def max_abs_diff(inputs: tuple) -> float:
    with torch.no_grad():
        outs = [fn(*inputs) for fn in IMPLS.values()]
    return (outs[0] - outs[1]).abs().max().item()


def benchmark(args) -> List[dict]:
    gen = torch.Generator().manual_seed(args.seed)
    rows = []
    for case in args.cases:
        levels, num_queries = CASES[case]
        inputs = make_inputs(levels, num_queries, args, gen)
        diff = max_abs_diff(inputs)
        for dtype in args.dtypes:
            for mode in args.modes:
                times: Dict[str, List[float]] = {k: [] for k in IMPLS}
                for i in range(args.warmup + args.repeats):
                    for name, fn in IMPLS.items():
                        sec = run_once(fn, inputs, mode, dtype)
                        if i >= args.warmup:
                            times[name].append(sec)
                med = {k: statistics.median(v) for k, v in times.items()}
                q1, _, q3 = statistics.quantiles(times['ours'], n=4)
                rows.append(
                    dict(case=case, queries=inputs[2].shape[1], dtype=dtype,
                         mode=mode, mmcv_ms=med['mmcv'] * 1e3,
                         ours_ms=med['ours'] * 1e3,
                         ratio=med['mmcv'] / med['ours'],
                         spread=(q3 - q1) / med['ours'], max_diff=diff))
    return rows


def main(argv=None) -> int:
    args = parse_args(argv)
    session = tool_session(__file__, argv)
    apply_threads(args)
    if args.repeats < 2:
        raise ValueError('--repeats must be at least 2 (for the spread)')
    rows = benchmark(args)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} thread(s), '
          f'batch {args.batch_size}, {args.num_heads} heads, '
          f'{args.num_points} points, {args.embed_dims} dims, median of '
          f'{args.repeats} alternating repeats\n')
    print('| case | queries | dtype | mode | mmcv (ms) | ours (ms) | '
          'mmcv / ours | ours IQR / median | max abs diff (fp32) |')
    print('|---|---:|---|---|---:|---:|---:|---:|---:|')
    for r in rows:
        print(f'| {r["case"]} | {r["queries"]} | {r["dtype"]} | {r["mode"]} '
              f'| {r["mmcv_ms"]:.1f} | {r["ours_ms"]:.1f} | '
              f'{r["ratio"]:.2f} | {r["spread"]:.0%} | {r["max_diff"]:.1e} |')
    if args.record:
        save_tool_record(args.record, session, rows=rows)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
