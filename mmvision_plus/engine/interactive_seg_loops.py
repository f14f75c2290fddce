"""Validation / test loops that evaluate interactive segmentation with
simulated clicks (the NoC protocol).

For every GT object of an image the loop clicks, predicts and clicks
again: the first click at the object's centre, each next one at the centre
of the largest error region of the current prediction (positive on missed
object, negative on spurious mask, :func:`next_click`); each prediction's
prompt is the previous predicted mask together with all clicks so far
(multi-click refinement). The IoU after every click goes to
``pred_instances.click_ious`` (G, max_clicks) for
``InteractiveSegMetric``. An object stops once it has had ``min_clicks``
clicks and reached ``stop_iou`` (its later entries repeat its last IoU, so
``mIoU@k`` for k <= ``min_clicks`` and ``NoC@t`` for t <= ``stop_iou`` are
exact).

The model is any detector whose ``predict`` answers a ``visual_prompt``
metainfo with the prompted object's mask first (GLEE with a visual
prompter); GT masks are read in the original image frame (load annotations
after ``Resize`` in the test pipeline, as mmdet's test pipelines do).
"""
from typing import List, Sequence

import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmengine.runner import TestLoop, ValLoop
from mmengine.structures import InstanceData

from mmvision_plus.evaluation.functional.click_simulation import (mask_iou,
                                                                  next_click)
from mmvision_plus.models.layers.glee_visual_prompt import (
    VisualPrompt, VisualPromptError)
from mmvision_plus.registry import LOOPS
from mmvision_plus.utils.arg_checks import check_range


def simulate_clicks(model, data_batch: dict, max_clicks: int = 20,
                    min_clicks: int = 5,
                    stop_iou: float = 0.9) -> List[DetDataSample]:
    """Run the click simulation on a batch of images.

    Args:
        model: The (unwrapped) detector.
        data_batch (dict): A dataloader batch (with GT masks).
        max_clicks (int): Clicks per object at most. Default 20.
        min_clicks (int): Clicks before an object may stop. Default 5.
        stop_iou (float): IoU at which it stops. Default 0.9.

    Returns:
        list[DetDataSample]: The samples with ``pred_instances``:
        ``click_ious`` (G, max_clicks), ``masks`` (final, original frame),
        ``labels`` (the GT labels), ``scores`` (last IoU).
    """
    data = model.data_preprocessor(data_batch, False)
    inputs, samples = data['inputs'], data['data_samples']
    for image, sample in zip(inputs, samples):
        gt = sample.gt_instances
        if 'masks' not in gt:
            raise KeyError(f'{sample.metainfo.get("img_path", "")}: no GT '
                           'masks to simulate clicks on (LoadAnnotations '
                           'with_mask=True)')
        gt_masks = gt.masks.to_ndarray().astype(bool) if hasattr(
            gt.masks, 'to_ndarray') else gt.masks.cpu().numpy().astype(bool)
        num = len(gt_masks)
        h, w = sample.metainfo['ori_shape']
        preds = np.zeros((num, h, w), bool)
        ious = np.zeros((num, max_clicks))
        clicks = [[] for _ in range(num)]
        labels = [[] for _ in range(num)]
        active = [g for g in range(num) if gt_masks[g].any()]
        for k in range(max_clicks):
            batch, prompted = [], []
            for g in active:
                click = next_click(preds[g], gt_masks[g])
                if click is None:  # perfect: nothing left to click
                    continue
                (x, y), positive = click
                clicks[g].append((x + 0.5, y + 0.5))
                labels[g].append(int(positive))
                try:
                    prompt = VisualPrompt(
                        points=clicks[g], point_labels=labels[g],
                        mask=preds[g] if preds[g].any() else None)
                except VisualPromptError:
                    continue
                batch.append(DetDataSample(metainfo=dict(
                    sample.metainfo, visual_prompt=prompt,
                    task='interactive')))
                prompted.append(g)
            if batch:
                results = model.predict(
                    image[None].expand(len(batch), -1, -1, -1), batch)
                for g, result in zip(prompted, results):
                    masks = result.pred_instances.masks
                    preds[g] = masks[0].cpu().numpy() if len(masks) else \
                        np.zeros((h, w), bool)
            for g in range(num):
                ious[g, k] = mask_iou(preds[g], gt_masks[g])
            active = [g for g in active
                      if not (k + 1 >= min_clicks and ious[g, k] >= stop_iou)
                      and ious[g, k] < 1.0]
            if not active:
                ious[:, k + 1:] = ious[:, k:k + 1]
                break
        sample.pred_instances = InstanceData(
            click_ious=torch.from_numpy(ious),
            masks=torch.from_numpy(preds),
            labels=gt.labels,
            scores=torch.from_numpy(ious[:, -1]))
    return samples


class _ClickSimulation:
    """``run_iter`` of a loop that simulates clicks instead of predicting
    once (hooks and evaluator as mmengine's loops)."""

    def _init_clicks(self, max_clicks: int, min_clicks: int,
                     stop_iou: float) -> None:
        self.max_clicks = max_clicks
        self.min_clicks = check_range(min_clicks, type(self).__name__,
                                      'min_clicks', 1, max_clicks)
        self.stop_iou = stop_iou

    def _stage(self) -> str:
        return 'test' if isinstance(self, TestLoop) else 'val'

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: Sequence[dict]) -> None:
        stage = self._stage()
        self.runner.call_hook(f'before_{stage}_iter', batch_idx=idx,
                              data_batch=data_batch)
        model = self.runner.model
        model = getattr(model, 'module', model)
        outputs = simulate_clicks(model, data_batch, self.max_clicks,
                                  self.min_clicks, self.stop_iou)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook(f'after_{stage}_iter', batch_idx=idx,
                              data_batch=data_batch, outputs=outputs)


@LOOPS.register_module()
class InteractiveSegTestLoop(_ClickSimulation, TestLoop):
    """mmengine's ``TestLoop`` with simulated clicks (see the module).

    Args:
        runner, dataloader, evaluator, fp16: As ``TestLoop``.
        max_clicks (int): Clicks per object at most. Default 20.
        min_clicks (int): Clicks before an object may stop. Default 5.
        stop_iou (float): IoU at which it stops. Default 0.9.
    """

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False,
                 max_clicks: int = 20, min_clicks: int = 5,
                 stop_iou: float = 0.9) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self._init_clicks(max_clicks, min_clicks, stop_iou)


@LOOPS.register_module()
class InteractiveSegValLoop(_ClickSimulation, ValLoop):
    """mmengine's ``ValLoop`` with simulated clicks (see
    :class:`InteractiveSegTestLoop`)."""

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False,
                 max_clicks: int = 20, min_clicks: int = 5,
                 stop_iou: float = 0.9) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self._init_clicks(max_clicks, min_clicks, stop_iou)
