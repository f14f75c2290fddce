"""Benchmark GLEE on CPU: inference latency against mmdet's DINO-R50, and
training steps with mmcv's deformable attention kernel and ours.

Inference: the GLEE demo model (``configs/glee/glee_r18_demo_1xb4-12e_
demo-world-instance.py``: ResNet-18, 3 + 3 layers, 100 queries, its 8
class names as prompts), GLEE-Lite (``configs/glee/glee-lite_r50_8xb2-90k_
coco-instance.py``: ResNet-50, 6 + 9 layers, 300 queries, CLIP ViT-B/32
text tower, the 80 COCO names as prompts) and mmdet's DINO-R50
(``mmdet::dino/dino-4scale_r50_8xb2-12e_coco.py``: 6 + 6 layers, 900
queries), all with random weights (no checkpoint is read). One call is
``model.test_step`` (preprocessing + predict, instance masks for GLEE) on
one random square image, without gradients, in float32 or under bf16
autocast (``torch.autocast('cpu', torch.bfloat16)``), with the deformable
attention of every model running mmcv's pure-PyTorch CPU path (``mmcv``,
what mmdet's DINO runs as shipped) or ours (``fast``, what the GLEE configs
build). Per image size and dtype, every (model, kernel) takes one call in
turn per repeat (so a change of machine load hits all alike) after
``--warmup`` calls; the table gives the median latency, the interquartile
range and the ratio to DINO-R50 with the same kernel, dtype and size.
DINO-R50's two-stage selection takes its 900 queries from the encoder
tokens, which a 160 px image has 534 of: below 208 px it runs with 300
queries (GLEE-Lite's number), named so in the table.

Training: the GLEE demo config's step (a random batch of its shape, 4
images of 160 px with boxes and masks; forward, losses, backward, AdamW),
mmcv's kernel (before the speed work) and ours (after), the two models
(same weights) alternating: median s/iter and ``mmcv / fast``.

Prints markdown tables; ``--record`` also writes them as a results record
(command, threads, versions, host load, wall time and the tables). Run it
on an otherwise idle machine (the numbers are meaningless on a busy one)::

    OMP_NUM_THREADS=2 python tools/analysis_tools/benchmark_glee.py \\
        --threads 2 --record configs/glee/results/benchmark_glee.json
"""
import argparse
import math
import os.path as osp
import statistics
import sys
import time
from contextlib import nullcontext
from typing import Callable, Dict, List, Optional, Sequence

import torch
from mmengine.hub import get_config
from mmengine.registry import DefaultScope
from torch import nn

import mmvision_plus
from mmvision_plus.utils.benchmark_cli import (add_threads_and_seed,
                                               apply_threads)
from mmvision_plus.utils.results_record import (add_record_option,
                                                 save_tool_record,
                                                 tool_session)

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from profile_detr_cpu import (build_quietly, kernel_runs,  # noqa: E402
                              random_batch, set_deform_attn_kernel,
                              time_steps)
from profile_glee_cpu import DEMO_CONFIG, GLEEData  # noqa: E402

CONFIG_DIR = osp.dirname(DEMO_CONFIG)
GLEE_MODELS = {
    'GLEE demo (R18)': DEMO_CONFIG,
    'GLEE-Lite (R50)': osp.join(CONFIG_DIR,
                                'glee-lite_r50_8xb2-90k_coco-instance.py'),
}
DINO_NAME = 'DINO-R50 (mmdet)'
DINO_CONFIG = 'mmdet::dino/dino-4scale_r50_8xb2-12e_coco.py'
# DINO-R50's 900 queries are the top-900 encoder tokens: images with fewer
# (below 208 px) get a DINO-R50 with GLEE-Lite's 300 queries instead.
FEW_DINO_QUERIES = 300
MODEL_KEYS = {'glee-demo': 'GLEE demo (R18)', 'glee-lite': 'GLEE-Lite (R50)',
              'dino-r50': DINO_NAME}
KERNELS = ('mmcv', 'fast')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', nargs='+', choices=list(MODEL_KEYS),
                        default=list(MODEL_KEYS),
                        help='inference models (dino-r50 gives the ratio)')
    parser.add_argument('--sizes', nargs='+', type=int, default=[160, 800],
                        help='square image sizes of the inference calls')
    parser.add_argument('--repeats', nargs='+', type=int, default=[10, 3],
                        help='timed calls per (model, kernel) at each size '
                        '(one number per --sizes entry)')
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed calls per (model, kernel) and size')
    parser.add_argument('--dtypes', nargs='+', choices=['fp32', 'bf16'],
                        default=['fp32', 'bf16'])
    parser.add_argument('--kernels', nargs='+', choices=KERNELS,
                        default=list(KERNELS))
    parser.add_argument('--train-iters', type=int, default=10,
                        help='timed training steps per kernel (0: skip)')
    add_threads_and_seed(parser)
    add_record_option(parser)
    args = parser.parse_args(argv)
    if len(args.repeats) != len(args.sizes):
        parser.error(f'--repeats needs one number per --sizes entry '
                     f'({len(args.sizes)}), got {len(args.repeats)}')
    return args


def encoder_tokens(size: int) -> int:
    """Encoder tokens of a ``size`` x ``size`` image: the levels at strides
    8, 16, 32, 64, each a ceil-halving of the previous (ResNet's stride-2
    convolutions and pooling, the extra stride-2 level)."""
    return sum(math.ceil(size / stride)**2 for stride in (8, 16, 32, 64))


class InferenceModel:
    """A detector in eval mode and how to make its one-image batch.

    Args:
        name (str): the row name.
        model (nn.Module): the detector.
        make_batch (Callable[[int], dict]): image size -> a ``test_step``
            batch of one image.
        scope (str): the registry scope it was built (and runs) in.
    """

    def __init__(self, name: str, model: nn.Module,
                 make_batch: Callable[[int], dict], scope: str) -> None:
        self.name = name
        self.model = model.eval()
        self.make_batch = make_batch
        self.scope = scope

    def fits(self, size: int) -> bool:
        """Whether its two-stage query selection fits the image's tokens."""
        return self.model.num_queries <= encoder_tokens(size)

    def __call__(self, batch: dict, dtype: str) -> None:
        autocast = torch.autocast('cpu', dtype=torch.bfloat16) \
            if dtype == 'bf16' else nullcontext()
        with DefaultScope.overwrite_default_scope(self.scope), \
                torch.no_grad(), autocast:
            self.model.test_step(batch)


def build_glee_inference(name: str, config: str, seed: int) -> InferenceModel:
    data = GLEEData(config)
    scope = data.cfg.get('default_scope', 'mmvision_plus')
    with DefaultScope.overwrite_default_scope(scope):
        model = build_quietly(data.cfg.model)
    return InferenceModel(
        name, model, lambda size: data.batch(
            1, size, 1, torch.Generator().manual_seed(seed)), scope)


def build_dino_inference(seed: int,
                         num_queries: Optional[int] = None) -> InferenceModel:
    """mmdet's DINO-R50, or with ``num_queries`` instead of its 900."""
    cfg = get_config(DINO_CONFIG)  # mmdet's packaged config
    scope = cfg.get('default_scope', 'mmdet')
    name = DINO_NAME
    if num_queries is not None:
        cfg.model.num_queries = num_queries
        name = f'{DINO_NAME[:-1]}, {num_queries} queries)'
    with DefaultScope.overwrite_default_scope(scope):
        model = build_quietly(cfg.model)
    num_classes = cfg.model.bbox_head.num_classes
    return InferenceModel(
        name, model, lambda size: random_batch(
            1, size, num_classes, 1, torch.Generator().manual_seed(seed)),
        scope)


def build_models(args: argparse.Namespace) -> List[InferenceModel]:
    """The ``--models`` (and the few-query DINO-R50 when a size needs it);
    a GLEE model whose queries do not fit a size is an error."""
    models = []
    for key in args.models:
        name = MODEL_KEYS[key]
        if name != DINO_NAME:
            models.append(
                build_glee_inference(name, GLEE_MODELS[name], args.seed))
            for size in args.sizes:
                if not models[-1].fits(size):
                    raise ValueError(
                        f'--sizes {size}: {name} selects '
                        f'{models[-1].model.num_queries} queries from '
                        f'{encoder_tokens(size)} encoder tokens; use larger '
                        'images')
            continue
        models.append(build_dino_inference(args.seed))
        if not all(models[-1].fits(size) for size in args.sizes):
            models.append(build_dino_inference(args.seed, FEW_DINO_QUERIES))
    return models


def models_at(models: List[InferenceModel],
              size: int) -> List[InferenceModel]:
    """The models timed at ``size``: one DINO-R50, the 900-query one when it
    fits."""
    dino_fits = any(m.name == DINO_NAME and m.fits(size) for m in models)
    return [
        m for m in models if m.fits(size) and not (
            m.name.startswith(DINO_NAME[:-1]) and m.name != DINO_NAME
            and dino_fits)
    ]


def spread(times: Sequence[float]) -> float:
    """Interquartile range (0 for fewer than two values)."""
    if len(times) < 2:
        return 0.0
    quartiles = statistics.quantiles(times, n=4, method='inclusive')
    return quartiles[2] - quartiles[0]


def benchmark_inference(models: List[InferenceModel],
                        args: argparse.Namespace) -> List[dict]:
    """One row per (size, dtype, model, kernel); see the module docstring."""
    rows = []
    for size, repeats in zip(args.sizes, args.repeats):
        timed = models_at(models, size)
        batches = {m.name: m.make_batch(size) for m in timed}
        for dtype in args.dtypes:
            cells = [(m, k) for m in timed for k in args.kernels]
            times: Dict[tuple, List[float]] = {(m.name, k): []
                                               for m, k in cells}
            for repeat in range(args.warmup + repeats):
                for model, kernel in cells:
                    set_deform_attn_kernel(model.model, kernel)
                    start = time.perf_counter()
                    model(batches[model.name], dtype)
                    if repeat >= args.warmup:
                        times[(model.name, kernel)].append(
                            time.perf_counter() - start)
            for model, kernel in cells:
                sample = times[(model.name, kernel)]
                rows.append(
                    dict(model=model.name, kernel=kernel, dtype=dtype,
                         size=size, repeats=repeats,
                         median_s=statistics.median(sample),
                         iqr_s=spread(sample)))
            print(f'inference {size} px {dtype}: done', flush=True)
    for row in rows:
        dino = [
            r for r in rows if r['model'].startswith(DINO_NAME[:-1]) and all(
                r[k] == row[k] for k in ('kernel', 'dtype', 'size'))
        ]
        row['ratio_to_dino'] = (row['median_s'] / dino[0]['median_s']
                                if dino else None)
        row['dino'] = dino[0]['model'] if dino else None
    return rows


def benchmark_training(args: argparse.Namespace) -> List[dict]:
    """The GLEE demo config's training step with each kernel."""
    data = GLEEData(DEMO_CONFIG)
    torch.manual_seed(args.seed)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        base = build_quietly(data.cfg.model).train()
        batch = data.batch(data.batch_size, data.img_size, 6,
                           torch.Generator().manual_seed(args.seed))
        runs = kernel_runs(base, args.kernels)
        times = time_steps(runs, batch, args.train_iters + 1)
    rows = []
    for kernel, sample in times.items():
        sample = sample[1:]  # the first step allocates
        rows.append(
            dict(model='GLEE demo (R18)', config=osp.relpath(DEMO_CONFIG),
                 kernel=kernel, batch_size=data.batch_size,
                 size=data.img_size, iters=len(sample),
                 median_s_per_iter=statistics.median(sample),
                 iqr_s=spread(sample)))
    medians = {row['kernel']: row['median_s_per_iter'] for row in rows}
    if set(medians) == set(KERNELS):
        for row in rows:
            row['mmcv_over_fast'] = medians['mmcv'] / medians['fast']
    return rows


def _ratio(value: Optional[float]) -> str:
    return '' if value is None else f'{value:.2f}'


def to_markdown(result: dict) -> str:
    lines = [
        '| model | size | dtype | kernel | median s | IQR s | / DINO-R50 |',
        '|---|---:|---|---|---:|---:|---:|'
    ]
    for row in result['inference']:
        lines.append(
            f'| {row["model"]} | {row["size"]} | {row["dtype"]} | '
            f'{row["kernel"]} | {row["median_s"]:.3f} | {row["iqr_s"]:.3f} | '
            f'{_ratio(row["ratio_to_dino"])} |')
    if result['training']:
        lines += [
            '', '| training step | batch | kernel | s/iter | IQR s | '
            'mmcv / fast |', '|---|---|---|---:|---:|---:|'
        ]
        for row in result['training']:
            lines.append(
                f'| {row["model"]} | {row["batch_size"]} x {row["size"]} px |'
                f' {row["kernel"]} | {row["median_s_per_iter"]:.3f} | '
                f'{row["iqr_s"]:.3f} | {_ratio(row.get("mmcv_over_fast"))} |')
    return '\n'.join(lines)


def main(argv=None) -> dict:
    args = parse_args(argv)
    session = tool_session(__file__, argv)
    mmvision_plus.register_all_modules(init_default_scope=False)
    apply_threads(args)
    torch.manual_seed(args.seed)
    models = build_models(args)
    result = dict(
        inference=benchmark_inference(models, args),
        training=benchmark_training(args) if args.train_iters else [])
    print(to_markdown(result))
    if args.record:
        save_tool_record(args.record, session, **result)
    return result


if __name__ == '__main__':
    main()
