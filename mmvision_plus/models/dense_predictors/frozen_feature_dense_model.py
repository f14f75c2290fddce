"""Backbone + dense head model for frozen-feature evaluations."""
import math
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import Tensor

from mmvision_plus.registry import MODELS


@MODELS.register_module()
class FrozenFeatureDenseModel(BaseModel):
    """Runs a ViT backbone's intermediate layers into a dense head.

    The backbone must offer the official DINOv2
    ``get_intermediate_layers(x, n, reshape=True, return_class_token=True,
    norm)``; the head gets one ``(patch map (B, C, h, w), cls token (B, C))``
    pair per requested block and must implement ``forward(feats)``,
    ``loss(feats, data_samples, input_hw)`` and
    ``predict(feats, data_samples, input_hw)`` (see
    :class:`DINOv2LinearSegHead`, :class:`DINOv2LinearDepthHead`).
    ``input_hw`` is the input size rounded up to the patch size: the area the
    token grid covers (the backbone pads right/bottom).

    When no backbone parameter requires gradients (e.g. ``DINOv2ViT(...,
    frozen=True)``), the backbone runs under ``torch.no_grad()``, so only
    the head costs backward time and memory.

    Args:
        backbone (dict): Backbone config.
        head (dict): Dense head config.
        layers (int | Sequence[int]): The last ``n`` blocks, or these block
            indices (DINOv2 "lin. 4" for ViT-S/B: ``(2, 5, 8, 11)``).
            Defaults to 1.
        norm_features (bool): Apply the backbone's final LayerNorm to every
            block output. The official segmentation evaluation does, the
            official depth heads do not. Defaults to True.
        data_preprocessor (dict, optional): Defaults to mmengine's
            ``ImgDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 layers: Union[int, Sequence[int]] = 1,
                 norm_features: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ImgDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        if not hasattr(self.backbone, 'get_intermediate_layers'):
            raise TypeError('FrozenFeatureDenseModel: backbone '
                            f'{type(self.backbone).__name__} has no '
                            'get_intermediate_layers()')
        self.head = MODELS.build(head)
        self.layers = layers if isinstance(layers, int) else list(layers)
        self.norm_features = norm_features

    @property
    def backbone_frozen(self) -> bool:
        """Whether no backbone parameter requires a gradient."""
        return not any(p.requires_grad for p in self.backbone.parameters())

    def extract_feat(self, inputs: Tensor) -> tuple:
        """Block features: ``((B, C, h, w), (B, C))`` per requested block."""
        with torch.set_grad_enabled(torch.is_grad_enabled()
                                    and not self.backbone_frozen):
            return self.backbone.get_intermediate_layers(
                inputs, n=self.layers, reshape=True, return_class_token=True,
                norm=self.norm_features)

    def _covered_hw(self, inputs: Tensor) -> tuple:
        patch = getattr(self.backbone, 'patch_size', 1)
        return tuple(
            math.ceil(s / patch) * patch for s in inputs.shape[-2:])

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List[BaseDataElement]] = None,
                mode: str = 'tensor'
                ) -> Union[Dict[str, Tensor], List[BaseDataElement], Tensor]:
        """mmengine entry point.

        Args:
            inputs (Tensor): Normalised images, shape (B, 3, H, W).
            data_samples (list[BaseDataElement], optional): Per-image
                annotations and meta (``img_shape``, ``ori_shape``).
            mode (str): ``'loss'`` -> dict of losses, ``'predict'`` -> data
                samples with predictions, ``'tensor'`` -> raw head output.
        """
        feats = self.extract_feat(inputs)
        if mode == 'loss':
            return self.head.loss(feats, data_samples,
                                  self._covered_hw(inputs))
        if mode == 'predict':
            return self.head.predict(feats, data_samples,
                                     self._covered_hw(inputs))
        if mode == 'tensor':
            return self.head(feats)
        raise ValueError(f'FrozenFeatureDenseModel: invalid mode {mode!r}; '
                         "use 'loss', 'predict' or 'tensor'")
