"""L2-normalised image embeddings of a frozen model, in batches.

:class:`ImageEmbedder` reads image files through mmcv / mmpretrain
transforms (load, resize the short edge to ``256 / 224 * image_size``
bicubically, centre crop ``image_size``: the DINOv2 evaluation transform),
normalises them with mmengine's ``ImgDataPreprocessor`` and returns one
L2-normalised feature per image: ``'cls'``, ``'cls_patch_mean'`` or
``'extract_feat'`` (:data:`FEATURES`), see
:func:`mmvision_plus.models.utils.image_features`.

:func:`build_image_embedder` makes one from a ``DINOv2ViT`` arch and an
official-layout checkpoint, or from any model config and a checkpoint of
the whole model. Its :attr:`ImageEmbedder.fingerprint` identifies
everything the features depend on (model config, checkpoint content,
feature, preprocessing), so that cached features of another model are
refused (see :mod:`.feature_cache`).
"""
import json
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import CenterCrop, LoadImageFromFile
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose
from mmengine.logging import MMLogger
from mmengine.model import ImgDataPreprocessor
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.utils import ProgressBar
from mmpretrain.datasets.transforms import PackInputs, ResizeEdge
from torch import Tensor, nn

from mmvision_plus.models.utils import IMAGE_FEATURES as FEATURES
from mmvision_plus.models.utils import image_features
from mmvision_plus.registry import MODELS
from mmvision_plus.utils.results_record import file_sha256

# ImageNet statistics in 0-255 RGB, as DINOv2's evaluation transforms.
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


class UnreadableImageError(RuntimeError):
    """An image file that is missing or cannot be decoded."""


class _ImageFiles(torch.utils.data.Dataset):
    """Image files through a pipeline; a failure is returned, not raised,
    so that the caller can name the file (also from worker processes)."""

    def __init__(self, paths: Sequence[str], pipeline: Compose) -> None:
        self.paths = list(paths)
        self.pipeline = pipeline

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> Tuple[Optional[Tensor],
                                               Optional[str]]:
        try:
            return self.pipeline(dict(img_path=self.paths[index]))[
                'inputs'], None
        except Exception as e:  # noqa: BLE001 (reported with the file name)
            return None, f'{type(e).__name__}: {e}'


class ImageEmbedder:
    """Embeds image files with a frozen model.

    Args:
        model: See :func:`image_features`. Put in eval mode.
        fingerprint: JSON-able description of everything the features
            depend on besides the preprocessing arguments below (model
            config, checkpoint hash); :attr:`fingerprint` adds those.
        feature: One of :data:`FEATURES`.
        image_size: Side of the centre crop fed to the model.
        mean: Per-channel mean (0-255, after ``bgr_to_rgb``).
        std: Per-channel std.
        bgr_to_rgb: Convert the BGR images mmcv loads to RGB.
        batch_size: Images per forward pass.
        num_workers: DataLoader worker processes for decoding.
        device: Torch device of the forward pass.
        skip_unreadable: Give an unreadable image a NaN row (with a
            warning naming it) instead of raising.
    """

    def __init__(self,
                 model: nn.Module,
                 fingerprint: dict,
                 feature: str = 'cls',
                 image_size: int = 224,
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD,
                 bgr_to_rgb: bool = True,
                 batch_size: int = 64,
                 num_workers: int = 0,
                 device: Union[str, torch.device] = 'cpu',
                 skip_unreadable: bool = False) -> None:
        if feature not in FEATURES:
            raise ValueError(f'feature must be one of {FEATURES}, got '
                             f'{feature!r}')
        if image_size < 1 or batch_size < 1:
            raise ValueError('image_size and batch_size must be >= 1, got '
                             f'{image_size} and {batch_size}')
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.feature = feature
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.skip_unreadable = skip_unreadable
        self.pipeline = Compose([
            LoadImageFromFile(),
            ResizeEdge(scale=round(image_size * 256 / 224), edge='short',
                       backend='pillow', interpolation='bicubic'),
            CenterCrop(crop_size=image_size),
            PackInputs(),
        ])
        self.preprocessor = ImgDataPreprocessor(
            mean=mean, std=std, bgr_to_rgb=bgr_to_rgb).to(self.device)
        self.fingerprint = dict(
            fingerprint, feature=feature, image_size=image_size,
            mean=[float(v) for v in mean], std=[float(v) for v in std],
            bgr_to_rgb=bgr_to_rgb)
        self._feature_dim: Optional[int] = None

    @torch.no_grad()
    def __call__(self, paths: Sequence[str],
                 progress: Optional[ProgressBar] = None) -> np.ndarray:
        """Embed ``paths``.

        Args:
            paths: Image files.
            progress: Advanced by the number of images of every batch.

        Returns:
            np.ndarray: (len(paths), D) float32 rows of unit norm; NaN rows
            for unreadable images when ``skip_unreadable``.

        Raises:
            UnreadableImageError: An image cannot be read (naming it) and
                ``skip_unreadable`` is off.
        """
        loader = torch.utils.data.DataLoader(
            _ImageFiles(paths, self.pipeline), batch_size=self.batch_size,
            num_workers=self.num_workers, collate_fn=list)
        rows: List[np.ndarray] = []
        start = 0
        for batch in loader:
            names = paths[start:start + len(batch)]
            start += len(batch)
            rows.append(self._embed_batch(batch, names))
            if progress is not None:
                progress.update(len(batch))
        return np.concatenate(rows)

    def _embed_batch(self, batch: List[Tuple[Optional[Tensor],
                                             Optional[str]]],
                     names: Sequence[str]) -> np.ndarray:
        readable = []
        for (image, error), name in zip(batch, names):
            if error is None:
                readable.append(image)
                continue
            message = f'{name}: cannot read image ({error})'
            if not self.skip_unreadable:
                raise UnreadableImageError(
                    message + '; pass skip_unreadable / --skip-unreadable '
                    'to leave such images out')
            MMLogger.get_current_instance().warning(message + ', skipped')
        if not readable:
            return np.full((len(batch), self.feature_dim), np.nan,
                           dtype=np.float32)
        inputs = self.preprocessor(dict(inputs=readable), False)['inputs']
        feats = self._features(inputs)
        if len(readable) == len(batch):
            return feats
        out = np.full((len(batch), feats.shape[1]), np.nan, dtype=np.float32)
        out[[error is None for _, error in batch]] = feats
        return out

    @torch.no_grad()
    def _features(self, inputs: Tensor) -> np.ndarray:
        """(B, D) float32 unit rows of preprocessed (B, 3, S, S) inputs."""
        feats = image_features(self.model, inputs, self.feature).float()
        return F.normalize(feats, dim=1).cpu().numpy()

    @property
    def feature_dim(self) -> int:
        """Feature dimension D (one forward pass of a blank image, done
        once and only when a batch has no readable image)."""
        if self._feature_dim is None:
            size = self.fingerprint['image_size']
            blank = torch.zeros(1, 3, size, size, device=self.device)
            self._feature_dim = self._features(blank).shape[1]
        return self._feature_dim


def _canonical(cfg: Union[dict, ConfigDict]) -> str:
    if isinstance(cfg, ConfigDict):
        cfg = cfg.to_dict()
    return json.dumps(cfg, sort_keys=True, default=repr)


def build_image_embedder(checkpoint: str,
                         arch: Optional[Union[str, dict]] = None,
                         config: Optional[str] = None,
                         backbone_options: Optional[dict] = None,
                         **embedder_kwargs) -> ImageEmbedder:
    """An :class:`ImageEmbedder` from a DINOv2 arch or a model config.

    Exactly one of ``arch`` and ``config``:

    * ``arch`` (a ``DINOv2ViT`` arch name or dict): the backbone loads
      ``checkpoint`` (official layout) strictly through
      ``init_cfg=dict(type='Pretrained')``;
    * ``config`` (a model config file): ``cfg.model`` is built in its
      default scope and ``checkpoint`` (a checkpoint of that whole model,
      e.g. from ``tools/train.py``) loaded strictly. Unless given, the
      normalisation comes from ``cfg.model.data_preprocessor``.

    Args:
        checkpoint: Weights file.
        arch: DINOv2ViT arch.
        config: Model config file.
        backbone_options: For ``arch``: more ``DINOv2ViT`` arguments, e.g.
            ``num_register_tokens=4`` for ``_reg4`` files or the
            ``img_size`` the checkpoint's position embeddings are stored
            for.
        **embedder_kwargs: :class:`ImageEmbedder` arguments.

    Returns:
        ImageEmbedder: Whose fingerprint holds the model config (without
        the checkpoint path, so a moved file still matches) and the
        checkpoint's SHA-256.
    """
    if (arch is None) == (config is None):
        raise ValueError('give exactly one of arch (a DINOv2ViT arch) and '
                         'config (a model config file)')
    if backbone_options and config is not None:
        raise ValueError('backbone_options apply to arch only; edit the '
                         'config instead')
    sha = file_sha256(checkpoint)
    if sha is None:
        raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
    if arch is not None:
        model_cfg = dict(backbone_options or {}, type='DINOv2ViT', arch=arch)
        model = MODELS.build(
            dict(model_cfg, init_cfg=dict(type='Pretrained',
                                          checkpoint=checkpoint)))
        model.init_weights()
    else:
        cfg = Config.fromfile(config)
        init_default_scope(cfg.get('default_scope', 'mmvision_plus'))
        model_cfg = cfg.model
        model = MODELS.build(model_cfg)
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
        preprocessor = model_cfg.get('data_preprocessor') or {}
        for key, value in (('mean', preprocessor.get('mean')),
                           ('std', preprocessor.get('std')),
                           ('bgr_to_rgb', preprocessor.get(
                               'to_rgb', preprocessor.get('bgr_to_rgb')))):
            if value is not None:
                embedder_kwargs.setdefault(key, value)
    fingerprint: Dict[str, str] = dict(model=_canonical(model_cfg),
                                       checkpoint_sha256=sha)
    return ImageEmbedder(model, fingerprint, **embedder_kwargs)
