"""Text-prompted inference with GLEE, in the spirit of mmdet's
``DetInferencer``::

    from mmvision_plus.apis import GLEEInferencer
    config = 'configs/glee/glee_r18_demo_1xb4-12e_demo-world-instance.py'
    glee = GLEEInferencer(config, checkpoint='work_dirs/.../epoch_12.pth')
    out = glee('scene.png', texts=['circle', 'star'], out_dir='vis/')
    out = glee(['a.png', 'b.png'], texts=['the red star'], task='grounding')
    # interactive segmentation (a config whose model has a visual prompter)
    out = glee('scene.png', points=[[40, 60], [90, 20]], point_labels=[1, 0])
    out = glee('scene.png', boxes=[[10, 10, 80, 90]])
    out = glee('scene.png', mask=previous_mask, points=[[30, 30]])  # refine

It subclasses ``DetInferencer`` (batching, visualisation with
``DetLocalVisualizer``, json-friendly predictions) and adds what GLEE needs:
the prompts and task of every call, and named errors for bad input.
"""
import copy
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple, Union

import mmengine
import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.apis import DetInferencer
from mmdet.datasets.transforms import LoadImageFromNDArray
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from mmvision_plus.datasets.transforms import StrictLoadImageFromFile
from mmvision_plus.models.language.tokenizers import EmptyPromptError
from mmvision_plus.models.layers.glee_visual_prompt import VisualPrompt

InputType = Union[str, np.ndarray]
# transforms that need annotations; inference prompts come with the call
DATASET_ONLY_TRANSFORMS = ('LoadAnnotations', 'FormatGLEEPrompts')


def check_text_prompts(texts: Union[str, Sequence[str]], task: str,
                       text_encoder, caller: str) -> tuple:
    """The call's prompts as a tuple, checked before any image work.

    Raises:
        EmptyPromptError: No text (or an empty one).
        ValueError: Several texts for ``task='grounding'``.
        PromptTooLongError: A text longer than the encoder's context.
    """
    texts = tuple([texts] if isinstance(texts, str) else texts)
    if len(texts) == 0:
        raise EmptyPromptError(
            f'{caller}: `texts` is empty; give the class names to detect, '
            'one expression with task="grounding", or a visual prompt '
            '(points, boxes, scribbles, mask)')
    if task == 'grounding' and len(texts) != 1:
        raise ValueError(f'{caller}: grounding takes one expression, got '
                         f'{len(texts)} texts')
    text_encoder.tokenizer(list(texts))
    return texts


def resolve_prompts(texts: Optional[Union[str, Sequence[str]]], task: str,
                    visual: Optional[VisualPrompt], text_encoder,
                    caller: str) -> Tuple[tuple, str]:
    """The texts and task of an inferencer call: a visual prompt makes the
    task ``'interactive'`` with the texts (context names) defaulting to
    ``('object', )``; the texts are checked by :func:`check_text_prompts`.

    Returns:
        tuple: The texts (tuple of str) and the task.
    """
    if visual is not None:
        task = 'interactive'
        texts = ('object', ) if texts is None else texts
    texts = check_text_prompts(() if texts is None else texts, task,
                               text_encoder, caller)
    return texts, task


class _LoadInferenceImage(BaseTransform):
    """A path through ``StrictLoadImageFromFile`` (errors name the file), an
    array through mmdet's ``LoadImageFromNDArray``."""

    def __init__(self) -> None:
        self.from_file = StrictLoadImageFromFile()
        self.from_array = LoadImageFromNDArray()

    def transform(self, results: dict) -> dict:
        if 'img' in results:
            return self.from_array(results)
        return self.from_file(results)


class GLEEInferencer(DetInferencer):
    """Boxes, masks, scores and labels for images and text prompts.

    Args:
        config (str | Config): A GLEE config.
        checkpoint (str, optional): Its weights. None: random weights
            (with a warning).
        device (str, optional): ``'cpu'``, ``'cuda:0'``... Default: CUDA if
            available, else CPU.
        palette (str): Visualisation colours. Default ``'random'``.
        show_progress (bool): A progress bar. Default False.
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: Optional[str] = None,
                 palette: str = 'random',
                 show_progress: bool = False) -> None:
        super().__init__(
            model=config,
            weights=checkpoint,
            device=device,
            scope='mmvision_plus',
            palette=palette,
            show_progress=show_progress)

    def _load_weights_to_model(self, model, checkpoint: Optional[dict],
                               cfg) -> None:
        """Load the weights; class names come with each call, not here."""
        if checkpoint is not None:
            _load_checkpoint_to_model(model, checkpoint)
        model.dataset_meta = dict(classes=(), palette=self.palette)

    def _init_pipeline(self, cfg: Config) -> Compose:
        """The config's test pipeline without annotation steps, loading
        paths and arrays."""
        pipeline = []
        for transform in copy.deepcopy(cfg.test_dataloader.dataset.pipeline):
            kind = transform['type'].split('.')[-1]
            if kind in DATASET_ONLY_TRANSFORMS:
                continue
            if kind.endswith('LoadImageFromFile'):
                pipeline.append(_LoadInferenceImage())
                continue
            if 'meta_keys' in transform:
                transform['meta_keys'] = tuple(
                    k for k in transform['meta_keys']
                    if k != 'img_id') + ('visual_prompt', )
            pipeline.append(transform)
        if not any(isinstance(t, _LoadInferenceImage) for t in pipeline):
            raise ValueError('GLEEInferencer: the test pipeline has no '
                             'image loading step')
        return Compose(pipeline)

    def __call__(self,
                 inputs: Union[InputType, Sequence[InputType]],
                 texts: Optional[Sequence[str]] = None,
                 task: str = 'instance',
                 points: Optional[Sequence] = None,
                 point_labels: Optional[Sequence[int]] = None,
                 boxes: Optional[Sequence] = None,
                 scribbles: Optional[Sequence] = None,
                 scribble_labels: Optional[Sequence[int]] = None,
                 mask: Optional[np.ndarray] = None,
                 batch_size: int = 1,
                 out_dir: str = '',
                 pred_score_thr: float = 0.3,
                 return_vis: bool = False,
                 return_datasamples: bool = False,
                 **kwargs) -> Dict[str, list]:
        """Detect the prompted objects in one or several images.

        Args:
            inputs: An image path, an array (H, W, 3) BGR, or a list of
                them.
            texts (Sequence[str], optional): Class names (``det`` /
                ``instance`` / ``open_world``) or one referring expression
                (``grounding``). With a visual prompt: optional context
                names (default ``['object']``).
            task (str): ``'instance'`` (default: boxes and masks),
                ``'det'`` (boxes only), ``'open_world'``, ``'grounding'``;
                a visual prompt makes it ``'interactive'``.
            points (Sequence, optional): Clicks ``[[x, y], ...]`` in image
                pixels (visual prompt; the same for every image).
            point_labels (Sequence[int], optional): 1 positive / 0 negative
                per click (default all positive).
            boxes (Sequence, optional): ``[[x1, y1, x2, y2], ...]``.
            scribbles (Sequence, optional): Polylines ``[[[x, y], ...]]``.
            scribble_labels (Sequence[int], optional): 1 / 0 per scribble.
            mask (np.ndarray, optional): (H, W) mask (a previous result to
                refine, or the object).
            batch_size (int): Images per forward pass.
            out_dir (str): Where to write ``vis/<image>`` (drawn
                predictions) and ``preds/<image>.json``; '' writes nothing.
            pred_score_thr (float): Minimum score drawn.
            return_vis (bool): Also return the drawn images.
            return_datasamples (bool): Predictions as ``DetDataSample``
                (tensors, masks as bool arrays) instead of dicts.
            **kwargs: Other ``DetInferencer.__call__`` arguments.

        Returns:
            dict: ``predictions``: per image ``labels`` (indices into
            ``texts``), ``label_names``, ``scores``, ``bboxes`` (xyxy, image
            pixels) and ``masks`` (COCO RLE) for mask tasks; for a visual
            prompt one object, its score the model's confidence;
            ``visualization``: the drawn images if requested.

        Raises:
            EmptyPromptError: ``texts`` is empty or holds an empty string
                (and no visual prompt is given).
            VisualPromptError: A visual prompt outside an image, of the
                wrong shape, or with nothing positive.
            PromptTooLongError: A text exceeds the text encoder's context.
            FileNotFoundError, OSError: An image path that cannot be read.
        """
        visual = VisualPrompt.from_inputs(points, point_labels, boxes,
                                          scribbles, scribble_labels, mask)
        texts, task = resolve_prompts(texts, task, visual,
                                      self.model.text_encoder,
                                      type(self).__name__)
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        samples = []
        for item in inputs:
            sample = dict(text=texts, task=task, dn_table=None)
            if visual is not None:
                sample['visual_prompt'] = visual
            if isinstance(item, np.ndarray):
                sample['img'] = item
            else:
                sample['img_path'] = str(item)
            samples.append(sample)
        self.visualizer.dataset_meta = dict(
            classes=texts, palette=self.palette)
        return super().__call__(
            samples,
            batch_size=batch_size,
            out_dir=out_dir,
            no_save_pred=out_dir == '',
            no_save_vis=out_dir == '',
            pred_score_thr=pred_score_thr,
            return_vis=return_vis,
            return_datasamples=return_datasamples,
            **kwargs)

    def pred2dict(self, data_sample, pred_out_dir: str = '') -> Dict:
        """mmdet's prediction dict plus the prompt of each label, written to
        ``preds/<image>.json`` under ``pred_out_dir`` if given."""
        result = super().pred2dict(data_sample, '')
        texts = data_sample.metainfo['text']
        result['label_names'] = [texts[i] for i in result['labels']]
        if pred_out_dir:
            if data_sample.get('img_path'):  # arrays have img_path None
                name = osp.splitext(osp.basename(data_sample.img_path))[0]
            else:
                name = str(self.num_predicted_imgs)
                self.num_predicted_imgs += 1
            mmengine.dump(result,
                          osp.join(pred_out_dir, 'preds', name + '.json'))
        return result
