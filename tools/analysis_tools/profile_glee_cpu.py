"""Where the time of a GLEE training step goes on CPU.

``profile_detr_cpu.py`` for GLEE: builds the ``model`` of a GLEE config
(the demo-world instance config by default; random weights), feeds it a
random batch shaped like the config's training data (its batch size, image
size, class-name prompts, task and denoising table; random boxes with
elliptic masks for mask tasks) and profiles whole training steps (forward,
losses, backward, AdamW step) with ``torch.profiler``, with mmcv's
deformable attention kernel and ours (``--kernel``).

Every stage is a ``record_function`` range, nested ranges charged to the
innermost one: backbone, text encoder (the prompts), pre_transformer, the
encoder (its image-text fusion block, the pixel embedding and the
deformable attention kernel nested in it), pre_decoder (proposals,
two-stage selection, denoising queries), the decoder (and its kernel), the
head's forward over all prediction sets, and the head's losses split into
the last layer's matched losses, the auxiliary sets' (initial queries,
earlier layers, encoder proposals) and the denoising losses, each with its
Hungarian matching (costs; scipy's ``linear_sum_assignment`` nested) and
mask point sampling nested. Backward nodes are charged to the forward stage
that created them. After the per-stage table, a summary gives each stage's
forward + backward share, and the inclusive share of each loss group;
``--record`` writes the results, with these summaries, as a results record
(see ``profile_detr_cpu.py``). Time on an otherwise idle machine. Example::

    OMP_NUM_THREADS=2 python tools/analysis_tools/profile_glee_cpu.py \\
        --kernel both --threads 2 --timing-iters 10 \\
        --record configs/glee/results/profile_glee_cpu.json
"""
import argparse
import os.path as osp
import sys
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import mmdet.models.task_modules.assigners.hungarian_assigner as hungarian
import numpy as np
import torch
from mmdet.structures.mask import BitmapMasks
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

import mmvision_plus
import mmvision_plus.models.dense_heads.glee_head as glee_head
from mmvision_plus.registry import DATASETS
from mmvision_plus.utils.results_record import save_tool_record, tool_session

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from profile_detr_cpu import (BACKWARD_STAGE, Target,  # noqa: E402
                              add_profile_args, build_quietly, kernel_targets,
                              print_profile, profile_kernels, random_batch)

DEMO_CONFIG = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    'glee', 'glee_r18_demo_1xb4-12e_demo-world-instance.py')
MASK_TASKS = ('instance', 'open_world', 'grounding')

HEAD_LOSSES = 'head losses'
LAST_LAYER_LOSSES = 'losses: last layer'
AUX_LOSSES = 'losses: aux (initial queries, earlier layers, proposals)'
DENOISING_LOSSES = 'losses: denoising (every layer)'
MATCHING = 'Hungarian matching (costs)'
SCIPY = 'scipy linear_sum_assignment'
POINT_SAMPLING = 'mask point sampling'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEMO_CONFIG,
                        help='a GLEE config (default: the demo-world '
                        'instance config)')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='default: the config\'s train batch size')
    parser.add_argument('--img-size', type=int, default=None,
                        help='square images of this size (default: the '
                        'config\'s img_scale, else 160)')
    add_profile_args(parser)
    return parser.parse_args(argv)


class GLEEData:
    """What a GLEE config's training data looks like: prompts, task,
    denoising table, batch size and image size.

    Args:
        config (str): a GLEE config whose ``train_dataloader.dataset`` has
            a ``FormatGLEEPrompts`` step in its pipeline and its classes in
            ``metainfo`` or in its dataset class.
    """

    def __init__(self, config: str) -> None:
        cfg = Config.fromfile(config)
        self.cfg = cfg
        init_default_scope(cfg.get('default_scope', 'mmvision_plus'))
        dataset = cfg.get('train_dataloader', {}).get('dataset', {})
        prompts = [
            step for step in dataset.get('pipeline', [])
            if step.get('type') == 'FormatGLEEPrompts'
        ]
        if not prompts:
            raise KeyError(f'{config}: train_dataloader.dataset.pipeline has '
                           'no FormatGLEEPrompts (the task and denoising '
                           'table of the random batch)')
        self.task = prompts[0]['task']
        self.dn_table = prompts[0]['dn_table']
        classes = (dataset.get('metainfo') or {}).get('classes')
        if classes is None:
            classes = DATASETS.get(dataset['type']).METAINFO['classes']
        self.prompts = (('object', ) if self.task == 'open_world' else
                        tuple(classes))
        self.batch_size = cfg.train_dataloader.get('batch_size', 2)
        self.img_size = cfg.get('img_scale', (160, 160))[0]

    def batch(self, batch_size: int, img_size: int, max_boxes: int,
              gen: torch.Generator) -> dict:
        """A random batch (``profile_detr_cpu.random_batch``) with the
        prompt metainfo and, for mask tasks, each box's inscribed ellipse
        as its mask."""
        if self.task == 'grounding':
            raise ValueError('random batches of the grounding task are not '
                             'supported (one expression per object)')
        batch = random_batch(batch_size, img_size, len(self.prompts),
                             max_boxes, gen)
        for i, sample in enumerate(batch['data_samples']):
            sample.set_metainfo(
                dict(img_path=f'random_{i}.png', text=self.prompts,
                     task=self.task, dn_table=self.dn_table))
            if self.task in MASK_TASKS:
                sample.gt_instances.masks = ellipse_masks(
                    sample.gt_instances.bboxes, img_size)
        return batch


def ellipse_masks(bboxes: torch.Tensor, img_size: int) -> BitmapMasks:
    """The ellipse inscribed in each (x1, y1, x2, y2) box, (n, size, size)."""
    centres = (np.arange(img_size) + 0.5)
    masks = np.zeros((len(bboxes), img_size, img_size), dtype=np.uint8)
    for mask, (x1, y1, x2, y2) in zip(masks, bboxes.tolist()):
        dx = (centres[None, :] - (x1 + x2) / 2) / max((x2 - x1) / 2, 1e-6)
        dy = (centres[:, None] - (y1 + y2) / 2) / max((y2 - y1) / 2, 1e-6)
        mask[dx**2 + dy**2 <= 1] = 1
    return BitmapMasks(masks, img_size, img_size)


class LossSetLabels:
    """Labels of ``GLEEHead``'s loss calls by prediction set.

    ``GLEEHead.loss_by_feat`` calls ``loss_matched`` once per entry of its
    ``layer_outputs`` (initial queries, then every decoder layer: the last
    call of these is the final layer's), then for the encoder proposals,
    and ``loss_denoising`` per layer. The label of ``loss_by_feat`` records
    the number of sets; ``loss_matched``'s labels count the calls.
    """

    def __init__(self) -> None:
        self.num_sets = 0
        self.calls = 0

    def loss_by_feat(self, layer_outputs: List[dict], *args,
                     **kwargs) -> str:
        self.num_sets, self.calls = len(layer_outputs), 0
        return HEAD_LOSSES

    def loss_matched(self, *args, **kwargs) -> str:
        self.calls += 1
        return LAST_LAYER_LOSSES if self.calls == self.num_sets else \
            AUX_LOSSES


CALLABLE_LABELS = (HEAD_LOSSES, LAST_LAYER_LOSSES, AUX_LOSSES)


def glee_stage_targets(model: nn.Module) -> List[Target]:
    """GLEE's stages (see the module docstring) and both kernels."""
    head = model.bbox_head
    loss_labels = LossSetLabels()
    fusion_layers = model.encoder.fusion_layers or []
    return [
        (model, 'extract_feat', 'backbone'),
        (model, 'encode_prompts', 'text encoder (prompts)'),
        (model, 'pre_transformer', 'pre_transformer'),
        (model, 'forward_encoder', 'encoder'),
        *[(layer, 'forward', 'image-text fusion') for layer in fusion_layers],
        (model.pixel_embedding, 'forward', 'pixel embedding'),
        (model, 'pre_decoder', 'pre_decoder (two-stage, denoising)'),
        (model, 'forward_decoder', 'decoder'),
        (head, 'forward', 'head forward (all sets)'),
        (head, 'loss_by_feat', loss_labels.loss_by_feat),
        (head, 'loss_matched', loss_labels.loss_matched),
        (head, 'loss_denoising', DENOISING_LOSSES),
        (head, 'assign', MATCHING),
        (hungarian, 'linear_sum_assignment', SCIPY),
        (glee_head, 'point_sample', POINT_SAMPLING),
        (glee_head, 'get_uncertain_point_coords_with_randomness',
         POINT_SAMPLING),
    ] + kernel_targets()


def split_stage(stage: str) -> Tuple[bool, List[str]]:
    """``'backward: a / b'`` -> ``(True, ['a', 'b'])``."""
    backward = stage.startswith(BACKWARD_STAGE)
    if backward:
        stage = stage[len(BACKWARD_STAGE):]
    return backward, stage.split(' / ')


def summarize(times: Dict[str, float]) -> Dict[str, Tuple[float, float]]:
    """(forward, backward) seconds per innermost stage label."""
    summary: Dict[str, List[float]] = defaultdict(lambda: [0.0, 0.0])
    for stage, sec in times.items():
        backward, path = split_stage(stage)
        summary[path[-1]][backward] += sec
    return {label: (fwd, bwd) for label, (fwd, bwd) in summary.items()}


def inclusive(times: Dict[str, float], label: str) -> float:
    """Seconds of every stage (forward and backward) inside ``label``."""
    return sum(sec for stage, sec in times.items()
               if label in split_stage(stage)[1])


def print_glee_profile(name: str, times: Dict[str, float],
                       wall: float) -> None:
    """``print_profile``'s per-stage table, then the summaries."""
    print_profile(name, times, wall)
    print(f'\n#### {name}: summary (forward + backward)\n')
    print('| stage | fwd s | bwd s | share |')
    print('|---|---:|---:|---:|')
    for label, (fwd, bwd) in sorted(summarize(times).items(),
                                    key=lambda kv: -sum(kv[1])):
        print(f'| {label} | {fwd:.3f} | {bwd:.3f} | '
              f'{(fwd + bwd) / wall:.1%} |')
    print('\n| loss group (with its matching and point sampling) | s | '
          'share |')
    print('|---|---:|---:|')
    for label in (LAST_LAYER_LOSSES, AUX_LOSSES, DENOISING_LOSSES,
                  HEAD_LOSSES):
        sec = inclusive(times, label)
        print(f'| {label} | {sec:.3f} | {sec / wall:.1%} |')


def build_glee(data: GLEEData) -> nn.Module:
    """The config's GLEE, random weights, in train mode."""
    if data.cfg.model.get('type') != 'GLEE':
        raise ValueError(f'model.type is {data.cfg.model.get("type")!r}, '
                         'not GLEE (profile_detr_cpu.py profiles other '
                         'DETRs)')
    return build_quietly(data.cfg.model).train()


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    session = tool_session(__file__, argv)
    mmvision_plus.register_all_modules(init_default_scope=False)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data = GLEEData(args.config)
    batch_size = args.batch_size or data.batch_size
    img_size = args.img_size or data.img_size
    base = build_glee(data)
    batch = data.batch(batch_size, img_size, args.max_boxes,
                       torch.Generator().manual_seed(args.seed))
    print(f'torch {torch.__version__}, {torch.get_num_threads()} thread(s), '
          f'batch {batch_size} x {img_size} px, task {data.task}, '
          f'{len(data.prompts)} prompts, {args.config}')
    result = profile_kernels(base, batch, args, glee_stage_targets,
                             CALLABLE_LABELS, print_glee_profile)
    if args.record:
        summaries = {
            kernel: {label: dict(fwd_s=fwd, bwd_s=bwd)
                     for label, (fwd, bwd) in summarize(
                         profile['stages']).items()}
            for kernel, profile in result['profiles'].items()}
        save_tool_record(args.record, session,
                         config=osp.relpath(args.config),
                         batch_size=batch_size, img_size=img_size,
                         summaries=summaries, **result)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
