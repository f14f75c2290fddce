"""Benchmark our PaperSIoULoss and ExtendedFocalLoss against mmdet's, on CPU.

Times forward + backward (median of ``--repeats`` runs after ``--warmup``
runs, the losses taking turns) in one process, so the ratios compare like
with like:

* box losses on ``--num-boxes`` random (pred, target) pairs: our
  PaperSIoULoss vs mmdet's GIoULoss, CIoULoss and SIoULoss(neg_gamma=True)
  (the paper's form);
* classification on ``--num-anchors`` x ``--num-classes`` logits with integer
  labels (background = num_classes): our ExtendedFocalLoss vs mmdet's
  FocalLoss, whose CPU path is its pure-PyTorch ``py_sigmoid_focal_loss``.

Prints a markdown table (time, and time relative to ours: > 1 means mmdet's
is slower). Example::

    python tools/analysis_tools/benchmark_losses.py --threads 1
"""
import argparse
import statistics
import sys
import time
from typing import Callable, List, Tuple

import torch
from mmdet.models.losses import CIoULoss, FocalLoss, GIoULoss, SIoULoss

from mmvision_plus.models.losses import ExtendedFocalLoss, PaperSIoULoss
from mmvision_plus.utils.benchmark_cli import (add_threads_and_seed,
                                               apply_threads)
from mmvision_plus.utils.results_record import (add_record_option,
                                                 save_tool_record,
                                                 tool_session)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num-boxes', type=int, default=100_000)
    parser.add_argument('--num-anchors', type=int, default=50_000)
    parser.add_argument('--num-classes', type=int, default=80)
    parser.add_argument('--repeats', type=int, default=15)
    parser.add_argument('--warmup', type=int, default=3)
    add_record_option(
        parser, 'also write the rows here as a results record '
        "(with the run's command, threads, versions, host and load)")
    add_threads_and_seed(parser)
    return parser.parse_args(argv)


def time_fwd_bwd(loss_fns: List[Callable], pred: torch.Tensor,
                 target: torch.Tensor, repeats: int,
                 warmup: int) -> List[float]:
    """Median seconds of ``loss_fn(pred, target).backward()`` per loss.

    The losses take turns within every repeat (round robin), so a change of
    machine load during the run affects all of them alike.
    """
    times = [[] for _ in loss_fns]
    for i in range(warmup + repeats):
        for loss_fn, record in zip(loss_fns, times):
            x = pred.detach().clone().requires_grad_(True)
            start = time.perf_counter()
            loss_fn(x, target).backward()
            elapsed = time.perf_counter() - start
            if i >= warmup:
                record.append(elapsed)
    return [statistics.median(record) for record in times]


def random_box_pairs(num: int, gen: torch.Generator) -> Tuple[torch.Tensor,
                                                              torch.Tensor]:
    """Targets anywhere in a 1000 px image, predictions jittered around
    them (typical of positives in a dense head)."""
    xy = torch.rand(num, 2, generator=gen) * 900
    wh = torch.rand(num, 2, generator=gen) * 200 + 4
    target = torch.cat([xy, xy + wh], 1)
    jitter = (torch.rand(num, 4, generator=gen) - 0.5) * wh.repeat(1, 2) * 0.5
    pred = target + jitter
    pred[:, 2:] = torch.maximum(pred[:, 2:], pred[:, :2] + 1)
    return pred, target


def run(args) -> List[Tuple[str, str, float, float]]:
    """Return rows (group, name, seconds, seconds / ours)."""
    gen = torch.Generator().manual_seed(args.seed)
    rows = []

    pred, target = random_box_pairs(args.num_boxes, gen)
    box_losses = [('ours PaperSIoULoss', PaperSIoULoss()),
                  ('mmdet SIoULoss(neg_gamma=True)',
                   SIoULoss(neg_gamma=True)),
                  ('mmdet GIoULoss', GIoULoss()),
                  ('mmdet CIoULoss', CIoULoss())]
    secs = time_fwd_bwd([m for _, m in box_losses], pred, target,
                        args.repeats, args.warmup)
    for (name, _), sec in zip(box_losses, secs):
        rows.append((f'boxes, {args.num_boxes} pairs', name, sec,
                     sec / secs[0]))

    logits = torch.randn(args.num_anchors, args.num_classes, generator=gen)
    labels = torch.randint(0, args.num_classes + 1, (args.num_anchors, ),
                           generator=gen)
    cls_losses = [('ours ExtendedFocalLoss', ExtendedFocalLoss()),
                  ('ours ExtendedFocalLoss, per-class alpha',
                   ExtendedFocalLoss(alpha=[0.25] * args.num_classes)),
                  ('mmdet FocalLoss (CPU path)', FocalLoss())]
    secs = time_fwd_bwd([m for _, m in cls_losses], logits, labels,
                        args.repeats, args.warmup)
    for (name, _), sec in zip(cls_losses, secs):
        rows.append((f'logits, {args.num_anchors} x {args.num_classes}', name,
                     sec, sec / secs[0]))
    return rows


def main(argv=None) -> int:
    args = parse_args(argv)
    session = tool_session(__file__, argv)
    apply_threads(args)
    rows = run(args)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} thread(s), '
          f'forward + backward, median of {args.repeats} runs\n')
    print('| input | loss | time (ms) | time / ours |')
    print('|---|---|---:|---:|')
    for group, name, sec, ratio in rows:
        print(f'| {group} | {name} | {sec * 1e3:.1f} | {ratio:.2f} |')
    if args.record:
        save_tool_record(args.record, session, rows=[
            dict(input=group, loss=name, time_ms=sec * 1e3, ratio_to_ours=ratio)
            for group, name, sec, ratio in rows])
    return 0


if __name__ == '__main__':
    sys.exit(main())
