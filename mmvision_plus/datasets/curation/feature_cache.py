"""Sharded, resumable on-disk cache of image embeddings.

One cache folder per image source::

    <cache_dir>/
      meta.json          fingerprint of the embedder, number of images,
                         shard size, SHA-256 of the path index
      paths.txt          the path index: image i of the source on line i
      shard_00000.npy    (shard_size, D) float32 rows of images 0..S-1
      shard_00001.npy    ...

Shard ``k`` always holds images ``[k * S, (k + 1) * S)`` of the index, so a
killed run loses at most the shards it was writing: every file is written
to a temporary name and renamed into place (:mod:`.atomic_io`), and the
next run computes only the shards that are missing. A cache made with a
different embedder (model, checkpoint content, feature, preprocessing),
image list or shard size is refused with a message naming the difference,
never silently mixed; delete the folder (or use another) to recompute.
Rows of unreadable images (``skip_unreadable``) are NaN.
"""
import hashlib
import json
import math
import os
import os.path as osp
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.utils import ProgressBar

from .atomic_io import (remove_stale_temporaries, save_npy_atomic,
                        write_json_atomic, write_text_atomic)

CACHE_VERSION = 1
META = 'meta.json'
INDEX = 'paths.txt'
# An embedder: (paths, progress bar or None) -> (len(paths), D) array, with
# a ``fingerprint`` dict attribute (see ImageEmbedder).
Embedder = Callable[[Sequence[str], Optional[ProgressBar]], np.ndarray]


class EmbeddingCacheError(RuntimeError):
    """A cache folder that does not belong to this run or is damaged."""


def _short(value, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _paths_digest(paths: Sequence[str]) -> str:
    return hashlib.sha256('\n'.join(paths).encode()).hexdigest()


def shard_name(index: int) -> str:
    """File name of shard ``index``."""
    return f'shard_{index:05d}.npy'


class EmbeddingCache:
    """The cache folder of one image source.

    Args:
        cache_dir: Folder (created if missing).
        paths: The source's images, in order.
        fingerprint: The embedder's fingerprint (JSON-able dict).
        shard_size: Images per shard.

    Raises:
        EmbeddingCacheError: The folder holds a cache of another embedder,
            image list or shard size.
    """

    def __init__(self, cache_dir: str, paths: Sequence[str],
                 fingerprint: dict, shard_size: int = 1024) -> None:
        if shard_size < 1:
            raise ValueError(f'shard_size must be >= 1, got {shard_size}')
        self.cache_dir = cache_dir
        self.paths = list(paths)
        self.shard_size = shard_size
        self.meta = dict(version=CACHE_VERSION,
                         fingerprint=json.loads(json.dumps(fingerprint)),
                         num_images=len(self.paths), shard_size=shard_size,
                         paths_sha256=_paths_digest(self.paths))
        os.makedirs(cache_dir, exist_ok=True)
        remove_stale_temporaries(cache_dir)
        meta_file = osp.join(cache_dir, META)
        if osp.exists(meta_file):
            self._check_meta(meta_file)
        else:
            orphans = sorted(n for n in os.listdir(cache_dir)
                             if n.startswith('shard_'))
            if orphans:
                raise EmbeddingCacheError(
                    f'embedding cache {cache_dir} holds shards ({orphans[0]}'
                    f', ...) but no {META}: their embedder is unknown; '
                    'delete that folder or choose another cache folder')
            # The index first: a cache with meta.json always has its index.
            write_text_atomic(osp.join(cache_dir, INDEX),
                              ''.join(p + '\n' for p in self.paths))
            write_json_atomic(meta_file, self.meta)

    @property
    def num_shards(self) -> int:
        return math.ceil(len(self.paths) / self.shard_size)

    def shard_file(self, index: int) -> str:
        return osp.join(self.cache_dir, shard_name(index))

    def missing_shards(self) -> List[int]:
        """Indices of the shards not on disk yet."""
        return [k for k in range(self.num_shards)
                if not osp.exists(self.shard_file(k))]

    def _check_meta(self, meta_file: str) -> None:
        try:
            with open(meta_file) as f:
                cached = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise EmbeddingCacheError(f'{meta_file}: unreadable cache '
                                      f'metadata ({e})') from e
        where = f'embedding cache {self.cache_dir}'
        advice = ('; delete that folder or choose another cache folder to '
                  'recompute')
        if cached.get('version') != CACHE_VERSION:
            raise EmbeddingCacheError(
                f'{where} has format version {cached.get("version")}, this '
                f'code writes {CACHE_VERSION}{advice}')
        old, new = cached.get('fingerprint', {}), self.meta['fingerprint']
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                raise EmbeddingCacheError(
                    f'{where} was made with a different embedder: '
                    f'{key!r} was {_short(old.get(key))}, now '
                    f'{_short(new.get(key))}{advice}')
        if cached.get('paths_sha256') != self.meta['paths_sha256']:
            raise EmbeddingCacheError(
                f'{where} was made for a different image list: '
                f'{self._first_path_difference(cached)}{advice}')
        if cached.get('shard_size') != self.shard_size:
            raise EmbeddingCacheError(
                f'{where} was made with shard_size '
                f'{cached.get("shard_size")}, now {self.shard_size}'
                f'{advice}')

    def _first_path_difference(self, cached: dict) -> str:
        index_file = osp.join(self.cache_dir, INDEX)
        with open(index_file) as f:
            old = f.read().splitlines()
        for i, (a, b) in enumerate(zip(old, self.paths)):
            if a != b:
                return f'image {i} was {a!r}, now {b!r}'
        return (f'it has {cached.get("num_images", len(old))} images, the '
                f'list now has {len(self.paths)}')

    def _load_shard(self, index: int) -> np.ndarray:
        path = self.shard_file(index)
        try:
            shard = np.load(path)
        except (ValueError, OSError, EOFError) as e:
            raise EmbeddingCacheError(f'{path}: unreadable cache shard ({e})'
                                      '; delete it to recompute') from e
        rows = min(self.shard_size, len(self.paths) - index * self.shard_size)
        if shard.ndim != 2 or shard.shape[0] != rows:
            raise EmbeddingCacheError(
                f'{path}: expected {rows} rows of features, found shape '
                f'{shard.shape}; delete it to recompute')
        return shard

    def load_or_compute(self, embedder: Embedder,
                        progress: bool = True) -> np.ndarray:
        """All features, computing (and caching) only missing shards.

        Args:
            embedder: Called once per missing shard with its paths.
            progress: Show a progress bar over the images to compute.

        Returns:
            np.ndarray: (N, D) float32 features in path order.

        Raises:
            EmbeddingCacheError: Shards disagree on the feature dimension
                (naming both), or a shard is damaged.
        """
        missing = set(self.missing_shards())
        todo = sum(len(self._shard_paths(k)) for k in missing)
        bar = ProgressBar(todo) if progress and todo else None
        shards: List[np.ndarray] = []
        first: Optional[Tuple[int, int]] = None  # (shard, dim)
        for k in range(self.num_shards):
            if k in missing:
                shard = np.asarray(embedder(self._shard_paths(k), bar),
                                   dtype=np.float32)
                if shard.shape[0] != len(self._shard_paths(k)):
                    raise RuntimeError(
                        f'embedder returned {shard.shape[0]} rows for '
                        f'{len(self._shard_paths(k))} images')
            else:
                shard = self._load_shard(k)
            if first is None:
                first = (k, shard.shape[1])
            elif shard.shape[1] != first[1]:
                raise EmbeddingCacheError(
                    f'feature dimension mismatch in {self.cache_dir}: '
                    f'{shard_name(first[0])} has {first[1]}-D features, '
                    f'{shard_name(k)} {shard.shape[1]}-D; delete the folder '
                    'to recompute')
            if k in missing:
                save_npy_atomic(self.shard_file(k), shard)
            shards.append(shard)
        if bar is not None:
            print()  # end the progress bar line
        return np.concatenate(shards)

    def _shard_paths(self, index: int) -> List[str]:
        start = index * self.shard_size
        return self.paths[start:start + self.shard_size]


def embed_images(paths: Sequence[str], embedder: Embedder,
                 cache_dir: Optional[str] = None, shard_size: int = 1024,
                 progress: bool = True) -> np.ndarray:
    """Features of ``paths``, through the cache when ``cache_dir`` is set.

    Args:
        paths: Image files.
        embedder: An :class:`~.embedding.ImageEmbedder` or any callable
            with the same signature and a ``fingerprint`` attribute.
        cache_dir: Cache folder of this image source, or None to compute
            everything in memory.
        shard_size: Images per cache shard.
        progress: Show a progress bar.

    Returns:
        np.ndarray: (len(paths), D) float32.
    """
    if cache_dir is None:
        bar = ProgressBar(len(paths)) if progress else None
        feats = np.asarray(embedder(list(paths), bar), dtype=np.float32)
        if bar is not None:
            print()
        return feats
    cache = EmbeddingCache(cache_dir, paths, embedder.fingerprint,
                           shard_size)
    return cache.load_or_compute(embedder, progress)
