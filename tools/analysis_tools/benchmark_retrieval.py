"""Benchmark image-text retrieval evaluation and VL training throughput.

``retrieval``: a synthetic gallery of the COCO 5k test size (5,000 images
x 25,000 captions, 5 per image, 256-d normalised features with noise), a
synthetic ITM scorer (a 2-layer MLP on the concatenated pair features:
the cost stand-in of a fusion encoder), evaluated (a) by ITC similarity
only and (b) with ITM re-ranking of the top k (default 16) both ways, plus
R@1/5/10. The batched path (:func:`rerank_topk`, :func:`image_text_recall`)
is timed against the straightforward per-query loop
(:func:`rerank_topk_per_query`, :func:`image_text_recall_loop`), and the
two must give the same recalls.

``train``: iterations per second of the demo configs' training step in
fp32 and with bf16 autocast on the CPU (the model, data pipeline and
optimizer of the config; the first iterations are warm-up).

Examples::

    python tools/analysis_tools/benchmark_retrieval.py retrieval --topk 16
    python tools/analysis_tools/benchmark_retrieval.py train \
        configs/clip/clip_vit-t16-text-t_1xb64-20e_demo-world.py \
        configs/albef/albef_vit-t16-bert-t_1xb64-15e_demo-world.py \
        configs/blip/blip_vit-t16-med-t_1xb64-15e_demo-world.py --iters 20
"""
import argparse
import time
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mmvision_plus.evaluation.functional import (image_text_recall,
                                                 image_text_recall_loop)
from mmvision_plus.models.multimodal import (rerank_topk,
                                             rerank_topk_per_query)
from mmvision_plus.utils.benchmark_cli import (add_threads,
                                               add_threads_and_seed,
                                               apply_threads)
from mmvision_plus.utils.results_record import save_tool_record, tool_session


def synthetic_gallery(num_images: int, captions_per_image: int, dim: int,
                      noise: float, seed: int):
    """Normalised image / text features and each text's image index."""
    gen = torch.Generator().manual_seed(seed)
    centres = torch.randn(num_images, dim, generator=gen)
    text_to_image = torch.arange(num_images).repeat_interleave(
        captions_per_image)
    image_feat = F.normalize(
        centres + noise * torch.randn(num_images, dim, generator=gen), dim=1)
    text_feat = F.normalize(
        centres[text_to_image] +
        noise * torch.randn(len(text_to_image), dim, generator=gen), dim=1)
    return image_feat, text_feat, text_to_image


class SyntheticITM(nn.Module):
    """Stand-in of a fusion encoder's ITM logit: a scaled dot product (so
    re-ranking keeps the ITC signal) plus a 2-layer MLP of the concatenated
    pair (the per-pair compute)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(2 * dim, hidden), nn.GELU(),
                                 nn.Linear(hidden, 1))

    def forward(self, pairs: torch.Tensor) -> torch.Tensor:
        """Scores (P,) of concatenated pair features (P, 2D)."""
        image, text = pairs.chunk(2, dim=1)
        return 10 * (image * text).sum(1) + 0.1 * self.mlp(pairs)[:, 0]


def evaluate(image_feat, text_feat, text_to_image, scorer: Optional[nn.Module],
             topk: int, batched: bool, batch_size: int) -> Dict[str, float]:
    """ITC (+ ITM re-ranking) scores of both directions and their recalls
    (the loop path scores one query at a time)."""
    if batched:
        i2t = image_feat @ text_feat.t()
        t2i = i2t.t().contiguous()
    else:
        i2t = torch.stack([query @ text_feat.t() for query in image_feat])
        t2i = torch.stack([query @ image_feat.t() for query in text_feat])
    if scorer is not None:
        def i2t_pairs(q, g):
            return scorer(torch.cat([image_feat[q], text_feat[g]], dim=1))

        def t2i_pairs(q, g):
            return scorer(torch.cat([image_feat[g], text_feat[q]], dim=1))

        if batched:
            i2t = rerank_topk(i2t, i2t_pairs, topk, batch_size,
                              progress=False)
            t2i = rerank_topk(t2i, t2i_pairs, topk, batch_size,
                              progress=False)
        else:
            i2t = rerank_topk_per_query(i2t, i2t_pairs, topk)
            t2i = rerank_topk_per_query(t2i, t2i_pairs, topk)
    recall = image_text_recall if batched else image_text_recall_loop
    return recall(i2t, t2i, text_to_image)


def bench_retrieval(args) -> dict:
    image_feat, text_feat, text_to_image = synthetic_gallery(
        args.num_images, args.captions_per_image, args.dim, args.noise,
        args.seed)
    torch.manual_seed(args.seed)
    scorer = SyntheticITM(args.dim, args.hidden).eval()
    results = {}
    with torch.no_grad():
        for name, itm in (('itc', None), (f'itc+itm@{args.topk}', scorer)):
            timings, metrics = {}, {}
            for batched in (True, False):
                key = 'batched' if batched else 'per_query_loop'
                start = time.perf_counter()
                metrics[key] = evaluate(image_feat, text_feat, text_to_image,
                                        itm, args.topk, batched,
                                        args.batch_size)
                timings[key] = time.perf_counter() - start
            # the two paths may round a score differently in the last bit:
            # allow one query's worth of difference
            tolerance = 100.0 / args.num_images + 1e-9
            if any(abs(metrics['batched'][k] - metrics['per_query_loop'][k])
                   > tolerance for k in metrics['batched']):
                raise AssertionError(f'{name}: batched and loop recalls '
                                     f'differ: {metrics}')
            results[name] = dict(
                seconds=timings,
                speedup=timings['per_query_loop'] / timings['batched'],
                recall=metrics['batched'])
            print(f"{name}: batched {timings['batched']:.2f} s, per-query "
                  f"loop {timings['per_query_loop']:.2f} s "
                  f"(x{results[name]['speedup']:.1f}); R@1 i2t "
                  f"{metrics['batched']['i2t/R1']:.1f} t2i "
                  f"{metrics['batched']['t2i/R1']:.1f}")
    return results


def bench_train(configs: Sequence[str], iters: int, warmup: int) -> dict:
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    from mmvision_plus.registry import MODELS
    from mmvision_plus.utils import register_all_modules
    register_all_modules()
    results = {}
    for path in configs:
        cfg = Config.fromfile(path)
        row = {}
        for precision in ('fp32', 'bf16'):
            with DefaultScope.overwrite_default_scope('mmvision_plus'):
                torch.manual_seed(0)
                model = MODELS.build(cfg.model)
                model.init_weights()
                model.train()
                loader_cfg = dict(cfg.train_dataloader, num_workers=0,
                                  persistent_workers=False)
                loader = Runner.build_dataloader(loader_cfg, seed=0)
                optim_cfg = dict(cfg.optim_wrapper)
                if precision == 'bf16':
                    optim_cfg['type'] = 'CPUAutocastOptimWrapper'
                optim = build_optim_wrapper(model, optim_cfg)
                batches = iter(loader)
                times: List[float] = []
                cpu_times: List[float] = []
                for step in range(warmup + iters):
                    try:
                        batch = next(batches)
                    except StopIteration:
                        batches = iter(loader)
                        batch = next(batches)
                    start = time.perf_counter()
                    cpu_start = time.process_time()
                    model.train_step(batch, optim)
                    if step >= warmup:
                        times.append(time.perf_counter() - start)
                        cpu_times.append(time.process_time() - cpu_start)
            seconds = sum(times) / len(times)
            row[precision] = dict(
                seconds_per_iter=seconds,
                cpu_seconds_per_iter=sum(cpu_times) / len(cpu_times),
                samples_per_second=loader_cfg['batch_size'] / seconds,
                threads=torch.get_num_threads())
            print(f'{path} [{precision}]: {seconds:.2f} s/iter '
                  f"({row[precision]['cpu_seconds_per_iter']:.2f} CPU s), "
                  f"{row[precision]['samples_per_second']:.1f} samples/s")
        results[path] = row
    return results


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='task', required=True)
    ret = sub.add_parser('retrieval', help='ranking + re-ranking + recall')
    ret.add_argument('--num-images', type=int, default=5000)
    ret.add_argument('--captions-per-image', type=int, default=5)
    ret.add_argument('--dim', type=int, default=256)
    ret.add_argument('--hidden', type=int, default=256,
                     help='hidden width of the synthetic ITM scorer')
    ret.add_argument('--noise', type=float, default=2.0,
                     help='feature noise per dimension (2.0: ITC R@1 near '
                     '50 %% at 5k images)')
    ret.add_argument('--topk', type=int, default=16)
    ret.add_argument('--batch-size', type=int, default=4096,
                     help='pairs per scorer call (batched path)')
    add_threads_and_seed(ret)
    train = sub.add_parser('train', help='training throughput of configs')
    train.add_argument('configs', nargs='+')
    train.add_argument('--iters', type=int, default=20)
    train.add_argument('--warmup', type=int, default=3)
    add_threads(train)
    for p in (ret, train):
        p.add_argument('--out', help='write the numbers to this JSON file '
                       "(a results record: under 'results', with the run's "
                       "command, threads, versions, host and load under "
                       "'tool')")
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    session = tool_session(__file__, argv)
    apply_threads(args)
    if args.task == 'retrieval':
        results = bench_retrieval(args)
    else:
        results = bench_train(args.configs, args.iters, args.warmup)
    if args.out:
        save_tool_record(args.out, session, results=results)
    return results


if __name__ == '__main__':
    main()
