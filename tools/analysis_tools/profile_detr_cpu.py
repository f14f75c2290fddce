"""Where the time of a DETR-family training step goes on CPU.

Builds a detector (mmdet's DINO at demo scale by default: ResNet-18,
ChannelMapper to 4 levels, 3 encoder + 3 decoder layers, 100 queries; or the
``model`` of ``--config``, random weights), feeds it random images with
random ground-truth boxes and profiles whole training steps (forward, loss, backward, AdamW step)
with ``torch.profiler``. Every forward stage is a ``record_function`` range
(backbone + neck, encoder, decoder, the multi-scale deformable attention
kernel inside them, two-stage/denoising query preparation, head + losses,
Hungarian matching, optimizer step); every backward node is charged to the
stage whose forward op created it (matched by autograd sequence number), so
the table shows forward and backward shares of each stage.

``--kernel`` picks mmcv's pure-PyTorch deformable attention (``mmcv``, what
mmcv 2.1.0 runs on CPU), ours (``fast``, see
``mmvision_plus.models.layers.ms_deform_attn``) or ``both``: then both
models (same weights) are profiled, their first-step losses compared, and
``--timing-iters`` un-profiled steps timed in alternation (median s/iter and
the ratio). Shares are of the step's wall time under the profiler, which
adds a little per op. ``--record`` also writes the results (first-step
losses, per-stage seconds, wall time and un-profiled s/iter per kernel) as
a results record, with the command, threads, versions and machine load.
Time on an otherwise idle machine: with fewer free cores than
``--threads``, OpenMP waits distort every stage. The stage
ranges, per-stage times, kernel switching and timing are shared with
``profile_glee_cpu.py`` and ``benchmark_glee.py``. Example::

    OMP_NUM_THREADS=2 python tools/analysis_tools/profile_detr_cpu.py \\
        --kernel both --batch-size 8 --threads 2 --timing-iters 10
"""
import argparse
import contextlib
import copy
import logging
import statistics
import time
from collections import defaultdict
from typing import (Callable, Dict, Iterable, Iterator, List, Optional,
                    Sequence, Tuple, Union)

import mmcv.ops.multi_scale_deform_attn as mmcv_msda
import torch
from mmcv.ops import MultiScaleDeformableAttention
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.hub import get_config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from torch import nn
from torch.profiler import ProfilerActivity, profile, record_function

import mmvision_plus.models.layers.ms_deform_attn as fast_msda
from mmvision_plus.models.layers import (use_fast_cpu_deform_attn,
                                         use_mmcv_deform_attn)
from mmvision_plus.registry import MODELS
from mmvision_plus.utils.benchmark_cli import (add_threads_and_seed,
                                               apply_threads)
from mmvision_plus.utils.results_record import (add_record_option,
                                                 save_tool_record,
                                                 tool_session)

KERNEL_LABEL = 'ms_deform_attn kernel'
BACKWARD_PREFIX = 'autograd::engine::evaluate_function: '
# stage_times' name of the backward part of a stage: BACKWARD_STAGE + stage
BACKWARD_STAGE = 'backward: '


#: mmdet's DINO config whose model the demo detector scales down
DINO_CONFIG = 'mmdet::dino/dino-4scale_r50_8xb2-12e_coco.py'


def demo_dino_cfg(num_classes: int = 8) -> dict:
    """mmdet's DINO (``DINO_CONFIG``) at the demo-world scale: ResNet-18
    trained from scratch (no frozen stage, no checkpoint), 3 encoder and 3
    decoder layers with 1024-wide FFNs, 100 queries and detections."""
    cfg = get_config(DINO_CONFIG)
    ffn = dict(feedforward_channels=1024)
    cfg.merge_from_dict(dict(model=dict(
        num_queries=100,
        backbone=dict(depth=18, frozen_stages=-1, init_cfg=None,
                      norm_cfg=dict(requires_grad=True)),
        neck=dict(in_channels=[128, 256, 512]),
        encoder=dict(num_layers=3, layer_cfg=dict(ffn_cfg=ffn)),
        decoder=dict(num_layers=3, layer_cfg=dict(ffn_cfg=ffn)),
        bbox_head=dict(num_classes=num_classes),
        test_cfg=dict(max_per_img=100))))
    return cfg.model


def set_deform_attn_kernel(model: nn.Module, kernel: str) -> int:
    """Make every multi-scale deformable attention of ``model`` run mmcv's
    pure-PyTorch CPU path (``'mmcv'``) or ours (``'fast'``), in place (same
    parameters); returns how many modules changed class."""
    switch = {'mmcv': use_mmcv_deform_attn, 'fast': use_fast_cpu_deform_attn}
    if kernel not in switch:
        raise ValueError(f"kernel must be 'mmcv' or 'fast', got {kernel!r}")
    return switch[kernel](model)


def add_profile_args(parser: argparse.ArgumentParser) -> None:
    """The arguments of a kernel-comparing profile (this tool's and
    ``profile_glee_cpu.py``'s) besides the model and batch shape."""
    parser.add_argument('--kernel', choices=['mmcv', 'fast', 'both'],
                        default='both')
    parser.add_argument('--max-boxes', type=int, default=6,
                        help='1..max random gt boxes per image')
    parser.add_argument('--profile-iters', type=int, default=1,
                        help='profiled steps per kernel (after one warm-up)')
    parser.add_argument('--timing-iters', type=int, default=0,
                        help='un-profiled steps per kernel, timed in '
                        'alternation (0: skip)')
    add_threads_and_seed(parser)
    add_record_option(parser)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', help='profile this config\'s model '
                        '(default: the built-in demo DINO-R18)')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--img-size', type=int, default=160)
    add_profile_args(parser)
    return parser.parse_args(argv)


def without_pretrained(cfg):
    """``cfg`` with every ``init_cfg`` of type ``Pretrained`` set to None, in
    place (random weights: no checkpoint download)."""
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            if (key == 'init_cfg' and isinstance(value, dict)
                    and value.get('type') == 'Pretrained'):
                cfg[key] = None
            else:
                without_pretrained(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            without_pretrained(value)
    return cfg


def build_quietly(model_cfg: dict) -> nn.Module:
    """Build a model with random weights and run its ``init_weights`` without
    mmengine's per-parameter log."""
    model = MODELS.build(without_pretrained(copy.deepcopy(model_cfg)))
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # init_weights logs every parameter
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    return model


def build_detector(config: Optional[str]) -> Tuple[nn.Module, int]:
    """The detector to profile (train mode) and its number of classes."""
    if config is None:
        init_default_scope('mmvision_plus')
        model_cfg = demo_dino_cfg()
    else:
        cfg = Config.fromfile(config)
        init_default_scope(cfg.get('default_scope', 'mmvision_plus'))
        model_cfg = cfg.model
    head = model_cfg.get('bbox_head') or {}
    if 'num_classes' not in head:
        raise KeyError(f'{config or "demo config"}: model.bbox_head has no '
                       'num_classes (needed to draw random labels)')
    return build_quietly(model_cfg).train(), head['num_classes']


def random_batch(batch_size: int, img_size: int, num_classes: int,
                 max_boxes: int, gen: torch.Generator) -> dict:
    """Random uint8 images with 1..max_boxes random boxes each, packed as a
    dataloader would (``inputs`` list + ``DetDataSample`` list)."""
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(
            torch.randint(0, 256, (3, img_size, img_size), dtype=torch.uint8,
                          generator=gen))
        num = int(torch.randint(1, max_boxes + 1, (1, ), generator=gen))
        wh = torch.rand(num, 2, generator=gen) * img_size * 0.4 + 8
        xy = torch.rand(num, 2, generator=gen) * (img_size - wh)
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(img_size, img_size),
                ori_shape=(img_size, img_size),
                scale_factor=(1.0, 1.0)))
        sample.gt_instances = InstanceData(
            bboxes=torch.cat([xy, xy + wh], 1),
            labels=torch.randint(0, num_classes, (num, ), generator=gen))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer,
               batch: dict) -> Dict[str, float]:
    """One training step; returns the logged losses."""
    with record_function('data_preprocessor'):
        data = model.data_preprocessor(batch, True)
    losses = model(**data, mode='loss')
    loss, log_vars = model.parse_losses(losses)
    optimizer.zero_grad()
    loss.backward()
    with record_function('optimizer step'):
        optimizer.step()
    return {k: float(torch.as_tensor(v).detach()) for k, v in log_vars.items()}


# (owner, attribute, label): calls of ``owner.attribute`` run inside a
# ``record_function(label)`` range; a callable label is called with the
# call's arguments and returns the label of that call.
Target = Tuple[object, str, Union[str, Callable[..., str]]]


def _labelled(label: Union[str, Callable[..., str]],
              fn: Callable) -> Callable:

    def wrapper(*args, **kwargs):
        name = label(*args, **kwargs) if callable(label) else label
        with record_function(name):
            return fn(*args, **kwargs)

    return wrapper


@contextlib.contextmanager
def labelled_ranges(targets: Sequence[Target]) -> Iterator[None]:
    """Wrap every target's calls in ``record_function`` ranges; undone on
    exit. Targets whose owner is None or lacks the attribute are skipped."""
    patched = []
    for owner, name, label in targets:
        if owner is None or not hasattr(owner, name):
            continue
        patched.append((owner, name, owner.__dict__.get(name)))
        setattr(owner, name, _labelled(label, getattr(owner, name)))
    try:
        yield
    finally:
        for owner, name, original in reversed(patched):
            if original is None:
                delattr(owner, name)  # an instance attribute we added
            else:
                setattr(owner, name, original)


def kernel_targets() -> List[Target]:
    """Both deformable attention kernels (mmcv's and ours)."""
    return [(mmcv_msda, 'multi_scale_deformable_attn_pytorch', KERNEL_LABEL),
            (fast_msda, 'multi_scale_deformable_attn_cpu', KERNEL_LABEL)]


def detr_stage_targets(model: nn.Module) -> List[Target]:
    """The stages of an mmdet DETR (and both deformable attention
    kernels); stages a model does not have are skipped."""
    head = getattr(model, 'bbox_head', None)
    return [(model, 'extract_feat', 'backbone + neck'),
            (model, 'pre_transformer', 'pre_transformer'),
            (model, 'forward_encoder', 'encoder'),
            (model, 'pre_decoder', 'pre_decoder (two-stage, denoising)'),
            (model, 'forward_decoder', 'decoder'),
            (head, 'loss', 'head + losses'),
            (getattr(head, 'assigner', None), 'assign',
             'Hungarian matching (costs + scipy)')] + kernel_targets()


def stage_times(events, labels: set) -> Dict[str, float]:
    """Exclusive CPU time (us) per stage from the profiler's event tree.

    A forward stage is the path of nested labels (``'encoder / ms_deform_attn
    kernel'``); a backward node (``evaluate_function: XBackward0``) is charged
    to ``'backward: <stage>'`` of the forward op with the same sequence
    number. Each charged event's time excludes that of charged events nested
    in it.
    """

    def label_path(event) -> Tuple[str, ...]:
        path = []
        while event is not None:
            if event.name in labels:
                path.append(event.name)
            event = event.cpu_parent
        return tuple(reversed(path))

    def in_backward(event) -> bool:
        while event is not None:
            if event.name.startswith(BACKWARD_PREFIX):
                return True
            event = event.cpu_parent
        return False

    # ops run by the backward pass (a CopySlices node's ops) carry the
    # sequence number of their node too: only forward ops name the stage
    forward_stage = {}
    for event in events:
        if (event.sequence_nr >= 0 and event.sequence_nr not in forward_stage
                and not in_backward(event)):
            forward_stage[event.sequence_nr] = ' / '.join(
                label_path(event)) or 'unlabelled'

    def bucket(event) -> Optional[str]:
        if event.name.startswith(BACKWARD_PREFIX):
            return BACKWARD_STAGE + forward_stage.get(
                event.sequence_nr, 'unmatched (AccumulateGrad, ...)')
        if event.name in labels:
            return ' / '.join(label_path(event))
        return None

    def nested_total(event) -> float:
        total = 0.0
        for child in event.cpu_children:
            total += (child.cpu_time_total
                      if bucket(child) else nested_total(child))
        return total

    times: Dict[str, float] = defaultdict(float)
    for event in events:
        name = bucket(event)
        if name:
            times[name] += event.cpu_time_total - nested_total(event)
    return times


def profile_steps(model: nn.Module, optimizer: torch.optim.Optimizer,
                  batch: dict, iters: int,
                  targets: Sequence[Target],
                  labels: Iterable[str] = ()) -> Tuple[Dict[str, float],
                                                       float]:
    """Per-stage exclusive seconds per step, and profiled wall s/step.

    Args:
        targets: the stages (:func:`labelled_ranges`).
        labels: the labels of the targets whose label is a callable (the
            string labels are collected from ``targets``).
    """
    labels = {'data_preprocessor', 'optimizer step', *labels}
    labels.update(label for _, _, label in targets if isinstance(label, str))
    with labelled_ranges(targets):
        train_step(model, optimizer, batch)  # warm-up
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            start = time.perf_counter()
            for _ in range(iters):
                train_step(model, optimizer, batch)
            wall = (time.perf_counter() - start) / iters
    times = stage_times(prof.events(), labels)
    return {k: v / 1e6 / iters for k, v in times.items()}, wall


def print_profile(name: str, times: Dict[str, float], wall: float) -> None:
    total = sum(times.values())
    print(f'\n### {name}: {wall:.2f} s/step under the profiler '
          f'({total:.2f} s charged to stages)\n')
    print('| stage | s/step | share |')
    print('|---|---:|---:|')
    for stage, sec in sorted(times.items(), key=lambda kv: -kv[1]):
        print(f'| {stage} | {sec:.3f} | {sec / wall:.1%} |')
    kernel = sum(v for k, v in times.items() if KERNEL_LABEL in k)
    print(f'| **all {KERNEL_LABEL} (fwd + bwd)** | {kernel:.3f} | '
          f'{kernel / wall:.1%} |')


def time_steps(runs: Dict[str, Tuple[nn.Module, torch.optim.Optimizer]],
               batch: dict, iters: int) -> Dict[str, List[float]]:
    """Seconds of ``iters`` un-profiled steps per model, the models taking
    turns (so a change of machine load hits all alike)."""
    times: Dict[str, List[float]] = {name: [] for name in runs}
    for _ in range(iters):
        for name, (model, optimizer) in runs.items():
            start = time.perf_counter()
            train_step(model, optimizer, batch)
            times[name].append(time.perf_counter() - start)
    return times


def kernel_runs(
    base: nn.Module, kernels: Sequence[str]
) -> Dict[str, Tuple[nn.Module, torch.optim.Optimizer]]:
    """A copy of ``base`` (same weights) per deformable attention kernel,
    each with its AdamW."""
    runs = {}
    for kernel in kernels:
        model = copy.deepcopy(base)
        switched = set_deform_attn_kernel(model, kernel)
        total = sum(
            isinstance(m, MultiScaleDeformableAttention)
            for m in model.modules())
        print(f'{kernel} kernel: {total} deformable attention modules, '
              f'{switched} switched')
        runs[kernel] = (model,
                        torch.optim.AdamW(
                            model.parameters(), lr=1e-4, weight_decay=1e-4))
    return runs


def profile_kernels(base: nn.Module, batch: dict, args: argparse.Namespace,
                    stage_targets: Callable[[nn.Module], Sequence[Target]],
                    labels: Iterable[str] = (),
                    report: Callable[[str, Dict[str, float], float],
                                     None] = print_profile) -> dict:
    """Profile (and with ``args.timing_iters`` time) training steps of
    ``base`` with each kernel of ``args.kernel``; with both, compare their
    first-step losses.

    Args:
        base (nn.Module): the model in train mode.
        batch (dict): a dataloader batch for ``train_step``.
        args: ``kernel``, ``seed``, ``profile_iters``, ``timing_iters``.
        stage_targets: a model's stages (see :func:`labelled_ranges`).
        labels: the labels of stages whose label is a callable.
        report: prints one kernel's profile (name, stage times, wall).

    Returns:
        dict: ``first_step_loss`` per kernel; ``profiles``: per kernel the
        profiled step's ``wall_s`` and ``stages`` (seconds per stage label,
        as printed); ``s_per_iter``: per kernel the median un-profiled step
        (empty without ``timing_iters``).
    """
    kernels = ['mmcv', 'fast'] if args.kernel == 'both' else [args.kernel]
    runs = kernel_runs(base, kernels)
    first_losses = {}
    for kernel, (model, optimizer) in runs.items():
        torch.manual_seed(args.seed)  # same denoising noise for every kernel
        first_losses[kernel] = train_step(model, optimizer, batch)['loss']
    if len(runs) == 2:
        diff = abs(first_losses['mmcv'] - first_losses['fast'])
        print('first-step loss: ' + ', '.join(
            f'{k} {v:.6f}' for k, v in first_losses.items()) +
              f' (abs diff {diff:.2e})')

    profiles = {}
    for kernel, (model, optimizer) in runs.items():
        times, wall = profile_steps(model, optimizer, batch,
                                    args.profile_iters, stage_targets(model),
                                    labels)
        report(f'{kernel} kernel', times, wall)
        profiles[kernel] = dict(wall_s=wall, stages=times)

    medians = {}
    if args.timing_iters:
        medians = {
            kernel: statistics.median(times) for kernel, times in
            time_steps(runs, batch, args.timing_iters).items()
        }
        print(f'\nun-profiled training step, median of {args.timing_iters} '
              '(kernels alternating):')
        for kernel, sec in medians.items():
            print(f'  {kernel}: {sec:.3f} s/iter')
        if len(medians) == 2:
            print(f'  mmcv / fast: {medians["mmcv"] / medians["fast"]:.2f}x')
    return dict(first_step_loss=first_losses, profiles=profiles,
                s_per_iter=medians)


def main(argv=None) -> int:
    args = parse_args(argv)
    session = tool_session(__file__, argv)
    apply_threads(args)
    torch.manual_seed(args.seed)
    base, num_classes = build_detector(args.config)
    batch = random_batch(args.batch_size, args.img_size, num_classes,
                         args.max_boxes,
                         torch.Generator().manual_seed(args.seed))
    print(f'torch {torch.__version__}, {torch.get_num_threads()} thread(s), '
          f'batch {args.batch_size} x {args.img_size} px, '
          f'{args.config or "demo DINO-R18 (3+3 layers, 100 queries)"}')
    result = profile_kernels(base, batch, args, detr_stage_targets)
    if args.record:
        save_tool_record(args.record, session, batch_size=args.batch_size,
                         img_size=args.img_size, **result)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
