"""Benchmark the vectorised text-to-image ranking against the loop reference.

Builds a synthetic problem of the CUHK-PEDES test size (6,156 text queries,
3,074 gallery images, 1,000 identities; query i describes gallery image
i mod 3,074, so every image has two or three captions) with noisy id
features (the default noise gives R1 near 70%, IRRA's level), times
:func:`text_image_rank` and the per-query :func:`text_image_rank_loop`, and
checks that both give the same R1/R5/R10/mAP/mINP; ``--record`` writes the
numbers in a results record (command, threads, versions, load).

Example::

    python tools/analysis_tools/benchmark_retrieval_metric.py --threads 1
"""
import argparse
import sys
import time

import torch
import torch.nn.functional as F

from mmvision_plus.evaluation.functional import (text_image_rank,
                                                 text_image_rank_loop)
from mmvision_plus.utils.benchmark_cli import (add_threads_and_seed,
                                               apply_threads)
from mmvision_plus.utils.results_record import (add_record_option,
                                                 save_tool_record,
                                                 tool_session)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num-gallery', type=int, default=3074)
    parser.add_argument('--num-queries', type=int, default=6156)
    parser.add_argument('--num-ids', type=int, default=1000)
    parser.add_argument('--dim', type=int, default=512)
    parser.add_argument('--noise', type=float, default=2.5,
                        help='feature noise relative to the id signal')
    parser.add_argument('--repeat', type=int, default=3,
                        help='timed runs of the vectorised version (best '
                        'is reported)')
    add_threads_and_seed(parser, default_threads=1)
    add_record_option(parser)
    return parser.parse_args(argv)


def make_problem(args):
    """Similarity (Q, G) and pids of a synthetic retrieval problem."""
    gen = torch.Generator().manual_seed(args.seed)
    gallery_pids = torch.arange(args.num_gallery) % args.num_ids
    gallery_pids = gallery_pids[torch.randperm(args.num_gallery,
                                               generator=gen)]
    query_pids = gallery_pids[torch.arange(args.num_queries) %
                              args.num_gallery]
    centres = torch.randn(args.num_ids, args.dim, generator=gen)

    def features(pids):
        noise = torch.randn(len(pids), args.dim, generator=gen)
        return F.normalize(centres[pids] + args.noise * noise, dim=1)

    similarity = features(query_pids) @ features(gallery_pids).t()
    return similarity, query_pids, gallery_pids


def timed(fn, *fn_args):
    start = time.perf_counter()
    result = fn(*fn_args)
    return result, time.perf_counter() - start


def main(argv=None):
    args = parse_args(argv)
    session = tool_session(__file__, argv)
    apply_threads(args)
    similarity, query_pids, gallery_pids = make_problem(args)
    fast_times = []
    for _ in range(args.repeat):
        fast, seconds = timed(text_image_rank, similarity, query_pids,
                              gallery_pids)
        fast_times.append(seconds)
    loop, loop_time = timed(text_image_rank_loop, similarity, query_pids,
                            gallery_pids)
    fast_time = min(fast_times)
    max_diff = max(abs(fast[k] - loop[k]) for k in loop)
    equal = set(fast) == set(loop) and max_diff < 1e-9
    report = dict(
        num_queries=similarity.shape[0], num_gallery=similarity.shape[1],
        threads=args.threads, vectorised_s=fast_time, loop_s=loop_time,
        speedup=loop_time / fast_time, max_abs_diff=max_diff, equal=equal,
        metrics=fast)
    print(f'{report["num_queries"]} queries x {report["num_gallery"]} '
          f'gallery, {args.threads} thread(s)')
    print(f'vectorised text_image_rank : {fast_time:8.3f} s '
          f'(best of {args.repeat})')
    print(f'per-query loop reference   : {loop_time:8.3f} s')
    print(f'speed-up                   : {report["speedup"]:8.1f} x')
    print('metrics: ' + ', '.join(f'{k}={v:.3f}' for k, v in fast.items()))
    print(f'equal to the reference     : {equal} (max |diff| {max_diff:.2e})')
    if args.record:
        save_tool_record(args.record, session, report=report)
    return 0 if equal else 1


if __name__ == '__main__':
    sys.exit(main())
