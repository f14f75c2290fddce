"""Inference with the image-text models (CLIP, ALBEF, BLIP, ViLT, VLMo,
BEiT-3, CoCa)::

    from mmvision_plus.apis import ImageTextInferencer
    vl = ImageTextInferencer('configs/blip/blip_vit-t16-med-t_1xb64-15e_'
                             'demo-world.py', 'work_dirs/.../epoch_15.pth')
    vl.retrieve_images(['a red circle above a blue square'],
                       ['a.png', 'b.png', 'c.png'], topk=2)
    vl.retrieve_texts(['a.png'], ['a red circle', 'two shapes'], topk=1)
    vl.caption(['a.png'], strategy='beam')   # BLIP, CoCa
    vl.score('a.png', 'a red circle')        # ITC similarity (+ ITM)
    vl.zero_shot_classify(['a.png'], ['circle', 'square'])  # CLIP, CoCa

Images are paths or RGB ``uint8`` arrays (H, W, 3), prepared with the
config's test pipeline (its annotation-only steps dropped); texts are
tokenised by the model. Ranking is the model's own: ITC similarity,
re-ranked with ITM on the top ``rerank_topk`` for ALBEF and BLIP (and
VLMo / BEiT-3 when configured), the ITM score of every pair for ViLT.
"""
import copy
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import load_checkpoint
from torch import Tensor

from mmvision_plus.registry import MODELS, TRANSFORMS

ImageInput = Union[str, np.ndarray]
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.webp')
# pipeline steps that need dataset annotations
ANNOTATION_ONLY = ('CleanCaption', )


def list_images(entries: Sequence[str]) -> List[str]:
    """Image files as given, directories expanded to their images
    (sorted by name).

    Raises:
        FileNotFoundError: An entry that is neither a file nor a directory.
        ValueError: No image found.
    """
    paths: List[str] = []
    for entry in entries:
        if osp.isdir(entry):
            paths += sorted(
                osp.join(entry, name) for name in os.listdir(entry)
                if name.lower().endswith(IMAGE_SUFFIXES))
        elif osp.isfile(entry):
            paths.append(entry)
        else:
            raise FileNotFoundError(f'image or directory not found: {entry}')
    if not paths:
        raise ValueError(f'no images in {list(entries)}')
    return paths


def dump_json(results, out: Optional[str] = None) -> str:
    """Results as indented JSON, printed and, with ``out``, written there
    (the output of the image-text commands in ``tools/``)."""
    text = json.dumps(results, indent=2)
    print(text)
    if out:
        with open(out, 'w') as f:
            f.write(text)
    return text


class ImageTextInferencer:
    """Retrieval, captioning, pair scoring and zero-shot classification.

    Args:
        config (str | Config): An image-text model config.
        checkpoint (str, optional): Its weights (loaded strictly). None
            keeps the initial weights.
        device (str): Defaults to ``'cpu'``.
        batch_size (int): Images or texts encoded at once. Defaults to 32.
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 batch_size: int = 32) -> None:
        from mmvision_plus.utils import register_all_modules
        register_all_modules(init_default_scope=False)
        cfg = Config.fromfile(config) if isinstance(config, str) else \
            copy.deepcopy(config)
        with DefaultScope.overwrite_default_scope('mmvision_plus'):
            self.model = MODELS.build(cfg.model)
            if checkpoint is None:
                self.model.init_weights()
            else:
                load_checkpoint(self.model, checkpoint, map_location='cpu',
                                strict=True)
            steps = [t for t in cfg.test_dataloader.dataset.pipeline
                     if not str(t['type']).endswith(ANNOTATION_ONLY)]
            if not str(steps[0]['type']).endswith('LoadImageFromFile'):
                raise ValueError('the test pipeline must start by loading '
                                 f'the image, got {steps[0]["type"]}')
            self._from_file = Compose(
                [TRANSFORMS.build(t) for t in steps])
            self._from_array = Compose(
                [TRANSFORMS.build(t) for t in steps[1:]])
        self.model.to(device).eval()
        self.cfg = cfg
        self.batch_size = batch_size

    # -- inputs ---------------------------------------------------------------
    def _prepare(self, images: Sequence[ImageInput]) -> Tensor:
        """Preprocessed image batch (N, 3, H, W)."""
        packed = []
        for i, image in enumerate(images):
            if isinstance(image, str):
                packed.append(self._from_file(dict(img_path=image)))
            elif isinstance(image, np.ndarray) and image.ndim == 3:
                # the pipelines expect BGR, as image files are read
                img = np.ascontiguousarray(image[..., ::-1])
                packed.append(self._from_array(dict(
                    img=img, img_shape=img.shape[:2],
                    ori_shape=img.shape[:2])))
            else:
                raise TypeError(f'image {i}: expected a path or an (H, W, 3) '
                                f'array, got {type(image).__name__}')
        data = self.model.data_preprocessor(
            dict(inputs=[p['inputs'] for p in packed],
                 data_samples=[p['data_samples'] for p in packed]), False)
        return data['inputs']

    @staticmethod
    def _check_texts(texts: Sequence[str]) -> List[str]:
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not texts:
            raise ValueError('no texts given')
        return texts

    def _batches(self, items: Sequence, fn) -> Dict[str, Tensor]:
        outs = [fn(items[s:s + self.batch_size])
                for s in range(0, len(items), self.batch_size)]
        return {k: torch.cat([o[k] for o in outs]) for k in outs[0]}

    @torch.no_grad()
    def encode_images(self, images: Sequence[ImageInput]) -> Dict[str, Tensor]:
        """``image_feat`` (N, D) (and ``image_embeds`` for fusion models)."""
        if not images:
            raise ValueError('no images given')
        return self._batches(
            list(images), lambda chunk: self.model.encode_images(
                self._prepare(chunk)))

    @torch.no_grad()
    def encode_texts(self, texts: Sequence[str]) -> Dict[str, Tensor]:
        """``text_feat`` (M, D) with the token ids and masks."""
        def encode(chunk):
            ids, mask = self.model.tokenize(chunk)
            return dict(self.model.encode_texts(ids, mask), text_ids=ids,
                        text_mask=mask)
        return self._batches(self._check_texts(texts), encode)

    # -- tasks ----------------------------------------------------------------
    @staticmethod
    def _top(scores: Tensor, topk: int) -> List[List[dict]]:
        values, indices = scores.topk(min(topk, scores.size(1)), dim=1)
        return [[dict(index=int(i), score=float(v))
                 for v, i in zip(row_v, row_i)]
                for row_v, row_i in zip(values, indices)]

    def _retrieve(self, images: Sequence[ImageInput], texts: Sequence[str],
                  topk: int, queries_are_images: bool) -> List[List[dict]]:
        """Rank the gallery side for every query with the model's scores."""
        image = self.encode_images(images)
        text = self.encode_texts(texts)
        queries, gallery = (image, text) if queries_are_images else (text,
                                                                     image)
        # ViLT has no features: it scores every pair with its ITM head
        scores = self.model.retrieval_scores(
            queries.get(f'{"image" if queries_are_images else "text"}_feat'),
            gallery.get(f'{"text" if queries_are_images else "image"}_feat'),
            image.get('image_embeds'), text['text_ids'], text['text_mask'],
            queries_are_images=queries_are_images,
            text_embeds=text.get('text_embeds'))
        return self._top(scores, topk)

    @torch.no_grad()
    def retrieve_images(self, texts: Sequence[str],
                        gallery: Sequence[ImageInput],
                        topk: int = 5) -> List[List[dict]]:
        """For each text, the ``topk`` gallery images, best first, as
        ``{'index', 'score'}`` (the model's ranking score)."""
        return self._retrieve(gallery, texts, topk, queries_are_images=False)

    @torch.no_grad()
    def retrieve_texts(self, images: Sequence[ImageInput],
                       gallery: Sequence[str],
                       topk: int = 5) -> List[List[dict]]:
        """For each image, the ``topk`` gallery texts, best first."""
        return self._retrieve(images, gallery, topk, queries_are_images=True)

    @torch.no_grad()
    def score(self, image: ImageInput, text: str) -> Dict[str, float]:
        """``itc``: cosine similarity of the pair (dual encoders);
        ``itm``: probability that they match (models with an ITM head)."""
        image_out = self.encode_images([image])
        text_out = self.encode_texts([text])
        result = {}
        if 'image_feat' in image_out:
            result['itc'] = float(image_out['image_feat'][0] @
                                  text_out['text_feat'][0])
        if 'image_embeds' in image_out:
            logits = self.model.match_logits(
                image_out['image_embeds'], text_out['text_ids'],
                text_out['text_mask'], text_out.get('text_embeds'))
            result['itm'] = float(F.softmax(logits, dim=1)[0, 1])
        return result

    @torch.no_grad()
    def caption(self, images: Sequence[ImageInput],
                **generation) -> List[str]:
        """Captions (models with a decoder: BLIP); ``generation`` overrides
        the model's decoding settings (``strategy``, ``num_beams``, ...)."""
        if not hasattr(self.model, 'caption'):
            raise TypeError(f'{type(self.model).__name__} has no caption '
                            'decoder (use a BLIP or CoCa config)')
        captions: List[str] = []
        images = list(images)
        for s in range(0, len(images), self.batch_size):
            captions += self.model.caption(
                self._prepare(images[s:s + self.batch_size]), **generation)
        return captions

    @torch.no_grad()
    def zero_shot_classify(self, images: Sequence[ImageInput],
                           class_names: Sequence[str],
                           templates: Optional[Sequence[str]] = None
                           ) -> List[dict]:
        """Zero-shot classification (CLIP, CoCa) with a prompt ensemble:
        per image the ``label`` (class index), ``class_name`` and
        ``scores``."""
        if not hasattr(self.model, 'zero_shot_classifier'):
            raise TypeError(f'{type(self.model).__name__} has no zero-shot '
                            'classifier (use a CLIP or CoCa config)')
        kwargs = {} if templates is None else dict(templates=templates)
        weights = self.model.zero_shot_classifier(list(class_names), **kwargs)
        probs = F.softmax(self.model.zero_shot_logits(
            self._prepare(list(images)), weights), dim=1)
        return [dict(label=int(p.argmax()), class_name=class_names[int(
            p.argmax())], scores=p.tolist()) for p in probs]
