"""CPU speed / memory benchmark of DINOv2ViT against timm's same model.

For every arch x input size x precision (float32, bf16 autocast) it reports

* images/s of ``forward_features`` for our ``DINOv2ViT`` and timm's
  ``vit_*_patch14_dinov2`` holding the same weights, and their ratio. The two
  models are timed in alternation (ours, timm, ours, ...) within the same
  process so that load from other processes hits both alike; the median of
  the repeats is used.
* achieved GFLOP/s: analytic FLOPs (2 per multiply-add: patch projection,
  qkv, q@k^T, attn@v, proj, FFN; norms/activations/softmax ignored) divided
  by the median batch time, next to a plain square matmul peak
  (``torch.mm`` of 2048x2048 matrices, same dtype, same thread count)
  measured in the same run.
* peak memory: the increase of the process resident set size (RSS, sampled
  from ``/proc/self/statm`` every 0.5 ms by a thread) during one forward
  pass over the RSS right before it. Every measurement runs in a freshly
  spawned process (after ``malloc_trim``) so that allocator caches of earlier
  runs do not hide allocations. This counts activations and workspace, not
  the weights.

Example (the table in configs/dinov2/README.md)::

    OMP_NUM_THREADS=2 python tools/analysis_tools/benchmark_backbone.py \\
        --archs small base --sizes 224 518 --batch-size 8 --threads 2 \\
        --repeats 3 --heavy-repeats 1
"""
import argparse
import ctypes
import json
import multiprocessing
import os
import statistics
import threading
import time
from contextlib import contextmanager, nullcontext
from typing import Callable, Dict, Iterator, List, Tuple

import torch
import torch.nn as nn

from mmvision_plus.models.backbones.dinov2 import DINOv2ViT, resolve_arch
from mmvision_plus.models.backbones.dinov2_convert import official_to_timm
from mmvision_plus.utils.results_record import RunSession, save_tool_record

TIMM_NAMES = {'small': 'vit_small_patch14_dinov2',
              'base': 'vit_base_patch14_dinov2',
              'large': 'vit_large_patch14_dinov2',
              'giant': 'vit_giant_patch14_dinov2'}
DTYPES = {'fp32': None, 'bf16': torch.bfloat16}


def forward_flops(arch: str, size: int, patch_size: int = 14,
                  in_channels: int = 3) -> float:
    """Analytic FLOPs of one image's forward (2 FLOPs per multiply-add)."""
    cfg = resolve_arch(arch)
    c, f = cfg['embed_dims'], cfg['ffn_hidden']
    patches = (size // patch_size)**2
    n = patches + 1
    ffn_in = 2 * f if cfg['ffn_type'] == 'swiglu' else f
    per_block = 2 * n * (c * 3 * c + c * c + c * ffn_in + f * c) \
        + 2 * 2 * n * n * c
    embed = 2 * patches * in_channels * patch_size**2 * c
    return embed + cfg['num_layers'] * per_block


def matmul_peak(dtype: torch.dtype, n: int = 2048, repeats: int = 5) -> float:
    """GFLOP/s of a square ``torch.mm`` (best of ``repeats``)."""
    a = torch.randn(n, n).to(dtype)
    b = torch.randn(n, n).to(dtype)
    torch.mm(a, b)
    best = float('inf')
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def build_models(arch: str, size: int) -> Tuple[nn.Module, nn.Module]:
    """Our DINOv2ViT and timm's model with identical weights, eval mode."""
    import timm
    ours = DINOv2ViT(arch=arch, img_size=size).eval()
    theirs = timm.create_model(TIMM_NAMES[resolve_arch_name(arch)],
                               pretrained=False, img_size=size,
                               num_classes=0).eval()
    theirs.load_state_dict(official_to_timm(ours.state_dict()))
    return ours, theirs


def resolve_arch_name(arch: str) -> str:
    """Canonical arch name (``'vits14'`` -> ``'small'``)."""
    cfg = resolve_arch(arch)
    for name in TIMM_NAMES:
        if resolve_arch(name) == cfg:
            return name
    raise ValueError(f'no timm counterpart for arch {arch!r}')


def autocast(dtype_name: str):
    dtype = DTYPES[dtype_name]
    return nullcontext() if dtype is None else torch.autocast(
        'cpu', dtype=dtype)


@torch.no_grad()
def time_pair(fns: Dict[str, Callable], x: torch.Tensor, dtype_name: str,
              warmup: int, repeats: int,
              warmup_batch: int) -> Dict[str, List[float]]:
    """Alternate the implementations; seconds per batch for each."""
    times: Dict[str, List[float]] = {k: [] for k in fns}
    with autocast(dtype_name):
        for _ in range(warmup):
            for fn in fns.values():
                fn(x[:warmup_batch])
        for _ in range(repeats):
            for name, fn in fns.items():
                t0 = time.perf_counter()
                fn(x)
                times[name].append(time.perf_counter() - t0)
    return times


def _rss_bytes() -> int:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


@contextmanager
def peak_rss(result: dict) -> Iterator[None]:
    """Store the peak RSS increase (MiB) of the block as
    ``result['peak_mib']``: RSS sampled every 0.5 ms by a thread, relative
    to its value right before the block (after ``malloc_trim``)."""
    ctypes.CDLL('libc.so.6').malloc_trim(0)
    base = _rss_bytes()
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_bytes())
            time.sleep(0.0005)

    thread = threading.Thread(target=sample)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        result['peak_mib'] = (max(peak[0], _rss_bytes()) - base) / 2**20


@torch.no_grad()
def memory_probe(impl: str, arch: str, size: int, batch_size: int,
                 dtype_name: str, threads: int) -> Dict[str, float]:
    """Peak RSS increase (MiB) of one forward; run in a fresh process."""
    torch.set_num_threads(threads)
    ours, theirs = build_models(arch, size)
    model = ours if impl == 'ours' else theirs
    del ours, theirs
    x = torch.randn(batch_size, 3, size, size)
    result: Dict[str, float] = {}
    with peak_rss(result), autocast(dtype_name):
        model.forward_features(x)
    return result


def probe_in_subprocess(impl: str, arch: str, size: int, batch_size: int,
                        dtype_name: str, threads: int) -> float:
    """Run :func:`memory_probe` in a freshly spawned interpreter."""
    with multiprocessing.get_context('spawn').Pool(1) as pool:
        result = pool.apply(memory_probe, (impl, arch, size, batch_size,
                                           dtype_name, threads))
    return result['peak_mib']


def benchmark(args: argparse.Namespace) -> List[dict]:
    torch.set_num_threads(args.threads)
    peaks = {d: matmul_peak(DTYPES[d] or torch.float32) for d in args.dtypes}
    rows = []
    for arch in args.archs:
        for size in args.sizes:
            ours, theirs = build_models(arch, size)
            x = torch.randn(args.batch_size, 3, size, size)
            with torch.no_grad():
                diff = (ours.forward_features(x)['x_norm_patchtokens'] -
                        theirs.forward_features(x)[:, 1:]).abs().max().item()
            heavy = forward_flops(arch, size) * args.batch_size > 5e11
            repeats = args.heavy_repeats if heavy else args.repeats
            # Heavy configs warm up on one image (thread pool, kernels).
            warmup_batch = 1 if heavy else args.batch_size
            for dtype_name in args.dtypes:
                times = time_pair(
                    dict(ours=ours.forward_features,
                         timm=theirs.forward_features), x, dtype_name,
                    args.warmup, repeats, warmup_batch)
                med = {k: statistics.median(v) for k, v in times.items()}
                flops = forward_flops(arch, size) * args.batch_size
                row = dict(arch=arch, size=size, dtype=dtype_name,
                           batch_size=args.batch_size, repeats=repeats,
                           ours_img_s=args.batch_size / med['ours'],
                           timm_img_s=args.batch_size / med['timm'],
                           ratio=med['timm'] / med['ours'],
                           ours_gflops=flops / med['ours'] / 1e9,
                           timm_gflops=flops / med['timm'] / 1e9,
                           matmul_peak_gflops=peaks[dtype_name],
                           gflop_per_img=flops / args.batch_size / 1e9,
                           max_abs_diff_fp32=diff)
                if not args.skip_memory:
                    for impl in ('ours', 'timm'):
                        row[f'{impl}_peak_mib'] = probe_in_subprocess(
                            impl, arch, size, args.batch_size, dtype_name,
                            args.threads)
                rows.append(row)
                print(json.dumps(row), flush=True)
    return rows


def to_markdown(rows: List[dict]) -> str:
    head = ('| model | size | dtype | ours img/s | timm img/s | ours/timm | '
            'GFLOP/img | ours GFLOP/s | matmul peak GFLOP/s | ours % of peak'
            ' | ours peak MiB | timm peak MiB |')
    lines = [head, '|' + '---|' * (head.count('|') - 1)]
    for r in rows:
        mem = [f"{r[k]:.0f}" if k in r else '-'
               for k in ('ours_peak_mib', 'timm_peak_mib')]
        lines.append(
            f"| {r['arch']} | {r['size']} | {r['dtype']} | "
            f"{r['ours_img_s']:.2f} | {r['timm_img_s']:.2f} | "
            f"{r['ratio']:.2f} | {r['gflop_per_img']:.1f} | "
            f"{r['ours_gflops']:.0f} | {r['matmul_peak_gflops']:.0f} | "
            f"{100 * r['ours_gflops'] / r['matmul_peak_gflops']:.0f}% | "
            f'{mem[0]} | {mem[1]} |')
    return '\n'.join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--archs', nargs='+', default=['small', 'base'])
    parser.add_argument('--sizes', nargs='+', type=int, default=[224, 518])
    parser.add_argument('--dtypes', nargs='+', default=['fp32', 'bf16'],
                        choices=sorted(DTYPES))
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--heavy-repeats', type=int, default=1,
                        help='repeats for configs above 0.5 TFLOP per batch '
                        '(they also warm up on a single image)')
    parser.add_argument('--skip-memory', action='store_true')
    parser.add_argument('--out', help='write the rows here as a results '
                        "record (with the run's command, threads, versions, "
                        'host and load)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    session = RunSession({})
    rows = benchmark(args)
    if args.out:
        save_tool_record(args.out, session, rows=rows)
    print(f'threads={args.threads}, batch={args.batch_size}, '
          f'torch {torch.__version__}')
    print(to_markdown(rows))


if __name__ == '__main__':
    main()
