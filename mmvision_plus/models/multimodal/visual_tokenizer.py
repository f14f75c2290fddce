"""An offline visual tokenizer for masked image modelling (BEiT-3, VLMo's
image-only stage): every image patch is mapped to the nearest centroid of
a k-means codebook.

BEiT (and BEiT-3) predict the visual tokens of a pretrained tokenizer
(DALL-E's dVAE, BEiT v2's VQ-KD); mmpretrain wraps both, but their weights
cannot be downloaded here. A k-means codebook over patch features needs
nothing but the training images and, optionally, a frozen backbone:

* ``source='pixels'``: the patch's pixels (of the preprocessed image),
  average-pooled to a ``pixel_grid`` x ``pixel_grid`` colour grid (iGPT's
  k-means colour palette, per patch), Euclidean nearest centroid;
* ``source='encoder'``: the patch tokens of a frozen image encoder (any
  registered module returning (B, [1 +] N, C) tokens, e.g. the
  ``visual_encoder`` of a trained CLIP / ALBEF checkpoint), L2-normalised,
  cosine nearest centroid (spherical k-means).

``tools/analysis_tools/build_visual_tokenizer.py`` runs faiss k-means over
the training images and writes the codebook file (:func:`save_codebook`);
:class:`KMeansVisualTokenizer` reads it and tokenises batches during
pretraining.
"""
import os
import os.path as osp
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmvision_plus.registry import MODELS

SOURCES = ('pixels', 'encoder')


def pixel_patch_features(images: Tensor, patch_size: int,
                         pixel_grid: int) -> Tensor:
    """Colour grid of every patch.

    Args:
        images (Tensor): Preprocessed images (B, 3, H, W), H and W multiples
            of ``patch_size``.
        patch_size (int): Patch side p.
        pixel_grid (int): Cells per patch side g (p divisible by g).

    Returns:
        Tensor: Features (B, N, 3 * g * g), N = (H / p) * (W / p) in
        row-major patch order.
    """
    if patch_size % pixel_grid:
        raise ValueError(f'patch_size {patch_size} is not a multiple of '
                         f'pixel_grid {pixel_grid}')
    cells = F.avg_pool2d(images.float(), patch_size // pixel_grid)
    patches = F.unfold(cells, pixel_grid, stride=pixel_grid)  # (B, 3gg, N)
    return patches.transpose(1, 2)


def encoder_patch_features(encoder: torch.nn.Module, images: Tensor,
                           num_patches: int) -> Tensor:
    """L2-normalised patch tokens (B, N, C) of a frozen image encoder (its
    last ``num_patches`` tokens, so a leading [CLS] is dropped)."""
    tokens = encoder(images)
    if tokens.dim() != 3 or tokens.size(1) < num_patches:
        raise ValueError(f'the visual tokenizer\'s encoder returned '
                         f'{tuple(tokens.shape)}; expected (B, [1 +] '
                         f'{num_patches}, C) tokens')
    return F.normalize(tokens[:, -num_patches:].float(), dim=-1)


def nearest_centroid(features: Tensor, centroids: Tensor,
                     cosine: bool) -> Tensor:
    """Index (...,) of the closest centroid (K, D) of features (..., D):
    largest dot product (``cosine``, features and centroids normalised) or
    smallest Euclidean distance."""
    flat = features.reshape(-1, features.size(-1))
    if cosine:
        ids = (flat @ centroids.t()).argmax(dim=1)
    else:
        ids = torch.cdist(flat, centroids).argmin(dim=1)
    return ids.view(features.shape[:-1])


def save_codebook(path: str,
                  centroids: Tensor,
                  source: str,
                  patch_size: int,
                  pixel_grid: Optional[int] = None,
                  encoder: Optional[dict] = None,
                  meta: Optional[dict] = None) -> None:
    """Write a codebook file for :class:`KMeansVisualTokenizer`
    (atomically).

    Args:
        path (str): Output ``.pth``.
        centroids (Tensor): (K, D).
        source (str): ``'pixels'`` or ``'encoder'``.
        patch_size (int): Patch side the features were taken at.
        pixel_grid (int, optional): Colour grid of ``'pixels'``.
        encoder (dict, optional): Config of the frozen encoder of
            ``'encoder'`` (with an ``init_cfg`` that loads its weights).
        meta (dict, optional): Provenance (images, iterations ...).
    """
    from mmvision_plus.utils.atomic_io import atomic_write
    if source not in SOURCES:
        raise ValueError(f'source must be one of {SOURCES}, got {source!r}')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with atomic_write(path) as f:
        torch.save(dict(centroids=centroids.float().contiguous(),
                        source=source, patch_size=int(patch_size),
                        pixel_grid=pixel_grid, encoder=encoder,
                        meta=meta or {}), f)


@MODELS.register_module()
class KMeansVisualTokenizer(BaseModule):
    """Frozen visual tokenizer from a codebook file (see the module
    docstring).

    The file is read when the weights are initialised (or at the first
    forward), not when the model is built, so a config builds before its
    codebook exists; the centroids are not saved with the model (the file
    is the tokenizer). The encoder of an ``'encoder'`` codebook is a frozen
    sub-module kept in eval mode.

    Args:
        codebook (str): File written by :func:`save_codebook`.
        num_tokens (int): Codebook size K (the prediction heads are built
            for it; the file must have K centroids).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 codebook: str,
                 num_tokens: int,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_tokens < 2:
            raise ValueError(f'KMeansVisualTokenizer: num_tokens must be >= '
                             f'2, got {num_tokens}')
        self.codebook = codebook
        self.num_tokens = num_tokens
        self.source = self.patch_size = self.pixel_grid = None
        self.encoder = None
        self.register_buffer('centroids', None, persistent=False)

    def load_codebook(self) -> None:
        """Read the codebook file (once).

        Raises:
            FileNotFoundError: No such file.
            KeyError / ValueError: Not a codebook, or not of ``num_tokens``
                centroids.
        """
        if self.centroids is not None:
            return
        codebook = self.codebook
        try:
            data = torch.load(codebook, map_location='cpu', weights_only=True)
        except FileNotFoundError:
            raise FileNotFoundError(
                f'visual tokenizer codebook {codebook} not found: build it '
                'with tools/analysis_tools/build_visual_tokenizer.py'
            ) from None
        for key in ('centroids', 'source', 'patch_size'):
            if key not in data:
                raise KeyError(f'{codebook}: no {key!r} entry (not a codebook '
                               'of build_visual_tokenizer.py)')
        if data['source'] not in SOURCES:
            raise ValueError(f'{codebook}: source must be one of {SOURCES}, '
                             f'got {data["source"]!r}')
        if data['centroids'].size(0) != self.num_tokens:
            raise ValueError(f'{codebook}: {data["centroids"].size(0)} '
                             f'centroids, the model predicts '
                             f'{self.num_tokens} tokens')
        if data['source'] == 'encoder':
            if not data.get('encoder'):
                raise KeyError(f'{codebook}: an "encoder" codebook needs the '
                               'encoder config')
            self.encoder = MODELS.build(data['encoder'])
            self.encoder.init_weights()
            self.encoder.requires_grad_(False).eval()
        self.source = data['source']
        self.patch_size = int(data['patch_size'])
        self.pixel_grid = data.get('pixel_grid')
        self.centroids = data['centroids'].float()

    def init_weights(self) -> None:
        """Read the codebook (and load the encoder's weights)."""
        self.load_codebook()

    def train(self, mode: bool = True) -> 'KMeansVisualTokenizer':
        """The encoder stays in eval mode."""
        super().train(mode)
        if self.encoder is not None:
            self.encoder.eval()
        return self

    @torch.no_grad()
    def forward(self, images: Tensor) -> Tensor:
        """Visual token ids (B, N) of preprocessed images (B, 3, H, W)."""
        self.load_codebook()
        height, width = images.shape[-2:]
        if height % self.patch_size or width % self.patch_size:
            raise ValueError(f'visual tokenizer ({self.codebook}): image size '
                             f'{(height, width)} is not a multiple of the '
                             f'patch size {self.patch_size}')
        if self.source == 'pixels':
            feats = pixel_patch_features(images, self.patch_size,
                                         self.pixel_grid)
        else:
            self.encoder.to(images.device)
            num_patches = (height // self.patch_size) * (width //
                                                         self.patch_size)
            feats = encoder_patch_features(self.encoder, images, num_patches)
        centroids = self.centroids.to(feats.device)
        if feats.size(-1) != centroids.size(1):
            raise ValueError(f'visual tokenizer ({self.codebook}): features '
                             f'of width {feats.size(-1)}, centroids of width '
                             f'{centroids.size(1)}')
        return nearest_centroid(feats, centroids,
                                cosine=self.source == 'encoder')
