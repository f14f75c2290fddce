"""Per-sample prompts and task for GLEE (the text the model scores against).

GLEE's labels are indices into the sample's own prompt list, so the
vocabulary can differ per dataset and per image. :class:`FormatGLEEPrompts`
sets ``text`` (the prompts), ``task`` and ``dn_table`` (the denoising label
table of the dataset) and remaps the GT labels to the prompt list:

* ``det`` / ``instance``: the dataset's class names (``return_classes=True``
  puts them in ``results['text']``); optionally the positives plus random
  negatives up to ``max_classes`` (LVIS / Objects365-size vocabularies,
  official: 100) and classes held out of training (open vocabulary);
* ``open_world``: the single prompt ``'object'``, every instance label 0;
* ``grounding``: the sample's one referring expression, label 0;
* ``interactive``: as ``instance`` (the class names); the visual prompt of
  each sample (``visual_prompt``, set at inference) picks the object.

Video datasets (mmdet's ``YouTubeVISDataset``) carry no ``text``: give the
class names with ``classes``. Track ids (``gt_instances_ids``) follow the
instances they belong to.

mmdet's ``RandomSamplingNegPos`` does the positive/negative sampling for
GroundingDINO's captions (a Hugging Face tokenizer and token spans); GLEE
encodes each class name separately, so the sampling here works on names.
"""
import random
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmvision_plus.registry import TRANSFORMS

GLEE_TASKS = ('det', 'instance', 'open_world', 'grounding', 'interactive')
GT_KEYS = ('gt_bboxes', 'gt_bboxes_labels', 'gt_masks', 'gt_ignore_flags',
           'gt_instances_ids')


def select_instances(results: dict, keep: np.ndarray) -> None:
    """Keep the GT instances where ``keep`` (bool, one per instance) holds."""
    for key in GT_KEYS:
        if key in results:
            results[key] = results[key][keep]


@TRANSFORMS.register_module()
class FormatGLEEPrompts(BaseTransform):
    """Set ``text``, ``task``, ``dn_table`` and remap the GT labels.

    Required keys: ``text`` (the dataset's class names, or a one-element
    list holding the expression for grounding); optional GT keys
    ``gt_bboxes``, ``gt_bboxes_labels``, ``gt_masks``, ``gt_ignore_flags``.

    Modified keys: ``text`` (tuple of prompts), the GT keys; added keys:
    ``task``, ``dn_table``.

    Args:
        task (str): ``det``, ``instance``, ``open_world`` or ``grounding``.
        dn_table (str): The denoising label table (a key of the model's
            ``dn_cfg.label_tables``).
        max_classes (int, optional): ``det``/``instance``: prompt with the
            image's positive classes plus random negatives up to this many.
            None (default): all classes.
        exclude_classes (Sequence[str]): ``det``/``instance``: names dropped
            from the prompts, and their instances from the targets (classes
            held out of training for open-vocabulary evaluation).
        open_world_prompt (str): The prompt of ``open_world``. Default
            ``'object'``.
        classes (Sequence[str], optional): The class names, for samples
            without ``text`` (video datasets). Default None: ``text`` is
            required.
    """

    def __init__(self,
                 task: str,
                 dn_table: str,
                 max_classes: Optional[int] = None,
                 exclude_classes: Sequence[str] = (),
                 open_world_prompt: str = 'object',
                 classes: Optional[Sequence[str]] = None) -> None:
        if task not in GLEE_TASKS:
            raise ValueError(f'FormatGLEEPrompts: task must be one of '
                             f'{GLEE_TASKS}, got {task!r}')
        if max_classes is not None and max_classes < 1:
            raise ValueError('FormatGLEEPrompts: max_classes must be >= 1')
        self.task = task
        self.dn_table = dn_table
        self.max_classes = max_classes
        self.exclude_classes = tuple(exclude_classes)
        self.open_world_prompt = open_world_prompt
        self.classes = None if classes is None else tuple(classes)

    def _class_prompts(self, results: dict, names: list) -> list:
        """Class names for det/instance/interactive; remaps labels in
        ``results``."""
        unknown = set(self.exclude_classes) - set(names)
        if unknown:
            raise KeyError(f'FormatGLEEPrompts: exclude_classes '
                           f'{sorted(unknown)} are not among the classes '
                           f'{names}')
        has_gt = 'gt_bboxes_labels' in results
        labels = np.asarray(results['gt_bboxes_labels']) if has_gt else \
            np.zeros(0, dtype=np.int64)
        if self.exclude_classes:
            excluded = [names.index(n) for n in self.exclude_classes]
            if has_gt:
                select_instances(results, ~np.isin(labels, excluded))
                labels = np.asarray(results['gt_bboxes_labels'])
        kept = [i for i, n in enumerate(names)
                if n not in self.exclude_classes]
        if self.max_classes is not None and len(kept) > self.max_classes:
            positives = list(dict.fromkeys(labels.tolist()))
            if len(positives) > self.max_classes:
                raise ValueError(
                    f'FormatGLEEPrompts: {results.get("img_path", "")}: '
                    f'{len(positives)} positive classes, more than '
                    f'max_classes={self.max_classes}')
            negatives = [i for i in kept if i not in set(positives)]
            kept = positives + random.sample(
                negatives, self.max_classes - len(positives))
        if has_gt:
            new_index = {old: new for new, old in enumerate(kept)}
            results['gt_bboxes_labels'] = np.array(
                [new_index[int(x)] for x in labels], dtype=np.int64)
        return [names[i] for i in kept]

    def transform(self, results: dict) -> dict:
        """Set the prompts of one sample.

        Returns:
            dict: ``results`` with ``text`` (tuple of str), ``task``,
            ``dn_table`` and labels indexing ``text``.
        """
        if 'text' not in results and self.classes is not None:
            results['text'] = self.classes
        if 'text' not in results:
            raise KeyError(
                f'FormatGLEEPrompts: {results.get("img_path", "")}: no '
                "'text' in the sample (set return_classes=True on a "
                'detection dataset)')
        names = list(results['text'])
        if self.task in ('det', 'instance', 'interactive'):
            prompts = self._class_prompts(results, names)
        elif self.task == 'open_world':
            prompts = [self.open_world_prompt]
        else:
            if len(names) != 1:
                raise ValueError(
                    f'FormatGLEEPrompts: {results.get("img_path", "")}: a '
                    f'grounding sample holds one expression, got {names}')
            prompts = names
        if self.task in ('open_world', 'grounding') and \
                'gt_bboxes_labels' in results:
            results['gt_bboxes_labels'] = np.zeros_like(
                np.asarray(results['gt_bboxes_labels']), dtype=np.int64)
        results['text'] = tuple(prompts)
        results['task'] = self.task
        results['dn_table'] = self.dn_table
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(task={self.task!r}, '
                f'dn_table={self.dn_table!r}, max_classes={self.max_classes}, '
                f'exclude_classes={self.exclude_classes})')
