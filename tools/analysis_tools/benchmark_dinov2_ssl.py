"""Training speed and memory of a DINOv2 self-supervised config.

For each precision (float32, bfloat16 autocast) it reports, for the config's
model, optimizer constructor and batch (one batch of the config's train
dataloader, augmented once and reused, so data loading is not counted):

* images/s of a full training iteration (forward, backward, gradient
  clipping per sub-module, optimizer step) over ``--iters`` iterations after
  ``--warmup``;
* peak memory of one iteration: on CUDA ``torch.cuda.max_memory_allocated``
  minus the memory allocated before it; on CPU the increase of the process
  resident set size (sampled every 0.5 ms) over its value before the
  iteration. Every precision runs in a freshly spawned process;
* the share of the forward + backward time spent in the backbones (student
  and teacher), the heads and the rest (losses, targets, EMA update), and the
  optimizer step. The shares come from replaying: the same iteration is
  timed with the backbones' outputs replayed from a cache (their compute
  removed), then also with the heads' outputs replayed; the differences are
  the backbones' and the heads' time.

Example (2 CPU threads; the table in configs/dinov2/README.md)::

    OMP_NUM_THREADS=2 python tools/analysis_tools/benchmark_dinov2_ssl.py \\
        configs/dinov2/dinov2-ssl_vit-t14_1xb32-10e_demo-world.py \\
        --threads 2 --iters 5 --warmup 2
"""
import argparse
import multiprocessing
import os.path as osp
import statistics
import sys
import time
from contextlib import contextmanager, nullcontext
from typing import Callable, Iterator, List

import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from torch import nn

from mmvision_plus.utils.results_record import save_tool_record, tool_session

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark_backbone import peak_rss  # noqa: E402


def synchronize(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def build(config: str, batch_size: int, device: str):
    """Model, optim wrapper and one device batch of the config."""
    import mmvision_plus
    mmvision_plus.register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config)
    loader = cfg.train_dataloader.to_dict()
    loader.update(num_workers=0, persistent_workers=False)
    if batch_size:
        loader['batch_size'] = batch_size
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        from mmvision_plus.registry import MODELS
        model = MODELS.build(
            dict(cfg.model, data_preprocessor=cfg.model.get(
                'data_preprocessor', cfg.get('data_preprocessor'))))
        model.init_weights()
        model.to(device).train()
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        data = next(iter(Runner.build_dataloader(loader)))
    batch = model.data_preprocessor(data, True)
    return cfg, model, optim_wrapper, batch


def clip_fn(cfg: Config, model: nn.Module) -> Callable[[], None]:
    """Per-sub-module clipping as the config's SubmoduleGradClipHook."""
    hooks = [h for h in cfg.get('custom_hooks', [])
             if h['type'] == 'SubmoduleGradClipHook']
    if not hooks:
        return lambda: None
    max_norm = hooks[0].get('max_norm', 3.0)
    parts = [[p for p in child.parameters() if p.requires_grad]
             for _, child in model.named_children()]
    parts = [p for p in parts if p]

    def clip() -> None:
        for params in parts:
            torch.nn.utils.clip_grad_norm_(
                [p for p in params if p.grad is not None], max_norm)

    return clip


@contextmanager
def replayed(calls: List[tuple]) -> Iterator[None]:
    """Replace ``obj.name`` by a replay of the outputs recorded for it."""
    for obj, name, outputs in calls:
        queue = list(outputs)
        setattr(obj, name, lambda *a, _q=queue, **k: _q.pop(0))
    try:
        yield
    finally:
        for obj, name, _ in calls:
            delattr(obj, name)


def record(obj, name: str, store: list) -> Callable:
    """Wrap ``obj.name`` to store detached copies of its outputs."""
    original = getattr(obj, name)

    def wrapped(*args, **kwargs):
        out = original(*args, **kwargs)
        store.append(detach(out))
        return out

    setattr(obj, name, wrapped)
    return lambda: delattr(obj, name)


def detach(out):
    """Detached copy; floating tensors of the student keep requires_grad."""
    if isinstance(out, dict):
        return {k: detach(v) for k, v in out.items()}
    if isinstance(out, torch.Tensor):
        leaf = out.detach().clone()
        return leaf.requires_grad_(out.requires_grad)
    return out


def run_precision(config: str, dtype_name: str, batch_size: int,
                  iters: int, warmup: int, threads: int) -> dict:
    """All measurements of one precision (runs in a fresh process)."""
    torch.set_num_threads(threads)
    # the EMA teacher reads the schedule position from the message hub
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 1)
    hub.update_info('max_iters', 1000)
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    cfg, model, optim_wrapper, batch = build(config, batch_size, device)
    clip = clip_fn(cfg, model)
    dtype = dict(fp32=None, bf16=torch.bfloat16)[dtype_name]
    cast = nullcontext if dtype is None else (
        lambda: torch.autocast(device, dtype=dtype))
    images = batch['inputs'][0].shape[0]

    def fwd_bwd() -> None:
        with cast():
            losses = model(**batch, mode='loss')
        sum(losses.values()).backward()

    def step() -> None:
        clip()
        optim_wrapper.step()
        optim_wrapper.zero_grad()

    def timed(fn: Callable[[], None]) -> float:
        for _ in range(warmup):
            fn()
            optim_wrapper.zero_grad()
        times = []
        for _ in range(iters):
            synchronize(device)
            t0 = time.perf_counter()
            fn()
            synchronize(device)
            times.append(time.perf_counter() - t0)
            optim_wrapper.zero_grad()
        return statistics.median(times)

    for _ in range(warmup):
        fwd_bwd()
        step()
    memory: dict = {}
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        fwd_bwd()
        step()
        memory['peak_mib'] = (torch.cuda.max_memory_allocated() - base) / 2**20
    else:
        with peak_rss(memory):
            fwd_bwd()
            step()

    iteration = timed(lambda: (fwd_bwd(), step()))
    full = timed(fwd_bwd)
    # record the backbones' and heads' outputs of one iteration, then replay
    teacher = model.teacher_parts
    backbones = [(model.backbone, 'forward_features'),
                 (teacher['backbone'], 'forward_features')]
    heads = [(m, 'forward') for m in {
        id(m): m for parts in (model.student_parts, teacher)
        for m in (parts['dino_head'], model.ibot_head_of(parts))}.values()]
    stores = {key: [] for key in range(len(backbones) + len(heads))}
    undo = [record(obj, name, stores[i])
            for i, (obj, name) in enumerate(backbones + heads)]
    fwd_bwd()
    optim_wrapper.zero_grad()
    for restore in undo:
        restore()
    replay_backbones = [(obj, name, stores[i])
                        for i, (obj, name) in enumerate(backbones)]
    replay_heads = [(obj, name, stores[len(backbones) + i])
                    for i, (obj, name) in enumerate(heads)]

    def with_replay(calls) -> Callable[[], None]:
        def run() -> None:
            with replayed(calls):
                fwd_bwd()
        return run

    no_backbone = timed(with_replay(replay_backbones))
    rest = timed(with_replay(replay_backbones + replay_heads))
    return dict(
        dtype=dtype_name, device=device, threads=threads, batch=images,
        images_per_s=images / iteration, iteration_s=iteration,
        peak_mib=memory['peak_mib'],
        share_backbones=(full - no_backbone) / iteration,
        share_heads=(no_backbone - rest) / iteration,
        share_losses_other=rest / iteration,
        share_optimizer=max(iteration - full, 0.0) / iteration)


def to_markdown(rows: List[dict]) -> str:
    head = ('| dtype | device | batch | img/s | s/iter | peak MiB | '
            'backbones | heads | losses+other | optimizer |\n'
            '|---|---|---|---|---|---|---|---|---|---|\n')
    return head + '\n'.join(
        f"| {r['dtype']} | {r['device']} ({r['threads']} thr) | {r['batch']} "
        f"| {r['images_per_s']:.2f} | {r['iteration_s']:.3f} | "
        f"{r['peak_mib']:.0f} | {r['share_backbones']:.0%} | "
        f"{r['share_heads']:.0%} | {r['share_losses_other']:.0%} | "
        f"{r['share_optimizer']:.0%} |" for r in rows)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='DINOv2 self-supervised config')
    parser.add_argument('--dtypes', nargs='+', default=['fp32', 'bf16'],
                        choices=['fp32', 'bf16'])
    parser.add_argument('--batch-size', type=int, default=0,
                        help="images per iteration (0: the config's)")
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int,
                        default=torch.get_num_threads())
    parser.add_argument(
        '--json', help='also write the rows to this file, with the run\'s '
        'command, threads, versions, host and load (a results record)')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    session = tool_session(__file__, argv, Config.fromfile(args.config))
    rows = []
    for dtype_name in args.dtypes:
        with multiprocessing.get_context('spawn').Pool(1) as pool:
            rows.append(pool.apply(run_precision, (
                args.config, dtype_name, args.batch_size, args.iters,
                args.warmup, args.threads)))
    print(to_markdown(rows))
    if args.json:
        save_tool_record(args.json, session, config=args.config, rows=rows)


if __name__ == '__main__':
    main()
