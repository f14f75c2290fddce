"""Embedding cache: shards, resume after a kill, refusal of foreign caches."""
import hashlib
import os

import numpy as np
import pytest

from mmvision_plus.datasets.curation import (EmbeddingCache,
                                             EmbeddingCacheError,
                                             embed_images)


class CountingEmbedder:
    """Deterministic features from the path; records every call."""

    def __init__(self, dim=8, fail_after=None, name='model-a'):
        self.dim = dim
        self.calls = []
        self.fail_after = fail_after
        self.fingerprint = dict(model=name, checkpoint_sha256='0' * 64)

    def __call__(self, paths, progress=None):
        if self.fail_after is not None and len(self.calls) == \
                self.fail_after:
            raise KeyboardInterrupt('killed')
        self.calls.append(list(paths))
        rows = [np.random.default_rng(
            int(hashlib.md5(p.encode()).hexdigest()[:8], 16)).standard_normal(
                self.dim) for p in paths]
        if progress is not None:
            progress.update(len(paths))
        return np.asarray(rows, dtype=np.float32)


PATHS = [f'/data/img_{i:03d}.png' for i in range(23)]


def test_shards_and_index_are_written(tmp_path):
    embedder = CountingEmbedder()
    feats = embed_images(PATHS, embedder, str(tmp_path), shard_size=5,
                         progress=False)
    assert feats.shape == (23, 8)
    assert [len(c) for c in embedder.calls] == [5, 5, 5, 5, 3]
    names = sorted(os.listdir(tmp_path))
    assert names == ['meta.json', 'paths.txt'] + [
        f'shard_{k:05d}.npy' for k in range(5)]
    assert (tmp_path / 'paths.txt').read_text().splitlines() == PATHS
    assert np.array_equal(np.load(tmp_path / 'shard_00004.npy'), feats[20:])
    # Without a cache everything is computed in one call, same numbers.
    again = CountingEmbedder()
    assert np.array_equal(embed_images(PATHS, again, None, progress=False),
                          feats)


def test_resume_recomputes_only_missing_shards(tmp_path):
    full = embed_images(PATHS, CountingEmbedder(), str(tmp_path / 'ref'),
                        shard_size=5, progress=False)
    cache = str(tmp_path / 'c')
    # A run killed while embedding the third shard.
    killed = CountingEmbedder(fail_after=2)
    with pytest.raises(KeyboardInterrupt):
        embed_images(PATHS, killed, cache, shard_size=5, progress=False)
    assert sorted(n for n in os.listdir(cache) if n.startswith('shard')) == [
        'shard_00000.npy', 'shard_00001.npy']
    # ... and a temporary file a killed writer left behind.
    (tmp_path / 'c' / '.shard_00002.npy.tmp-999999999').write_bytes(b'xx')
    resumed = CountingEmbedder()
    feats = embed_images(PATHS, resumed, cache, shard_size=5, progress=False)
    assert resumed.calls == [PATHS[10:15], PATHS[15:20], PATHS[20:]]
    assert np.array_equal(feats, full)
    assert not any('.tmp-' in n for n in os.listdir(cache))
    # A complete cache: no call at all; a deleted shard: just that one.
    os.remove(os.path.join(cache, 'shard_00001.npy'))
    third = CountingEmbedder()
    assert np.array_equal(
        embed_images(PATHS, third, cache, shard_size=5, progress=False),
        full)
    assert third.calls == [PATHS[5:10]]
    fourth = CountingEmbedder()
    embed_images(PATHS, fourth, cache, shard_size=5, progress=False)
    assert fourth.calls == []


@pytest.mark.parametrize('change, message', [
    ('model', "different embedder: 'model' was model-a, now model-b"),
    ('paths', "different image list: image 7 was '/data/img_007.png', "
     "now '/data/other.png'"),
    ('length', 'it has 23 images, the list now has 22'),
    ('shard', 'shard_size 5, now 4'),
])
def test_foreign_cache_is_refused(tmp_path, change, message):
    embed_images(PATHS, CountingEmbedder(), str(tmp_path), shard_size=5,
                 progress=False)
    paths, embedder, shard = list(PATHS), CountingEmbedder(), 5
    if change == 'model':
        embedder = CountingEmbedder(name='model-b')
    elif change == 'paths':
        paths[7] = '/data/other.png'
    elif change == 'length':
        paths = paths[:-1]
    else:
        shard = 4
    with pytest.raises(EmbeddingCacheError, match=message) as info:
        embed_images(paths, embedder, str(tmp_path), shard_size=shard,
                     progress=False)
    assert str(tmp_path) in str(info.value)
    assert embedder.calls == []


def test_shard_dimension_mismatch_is_named(tmp_path):
    embed_images(PATHS, CountingEmbedder(dim=8), str(tmp_path),
                 shard_size=5, progress=False)
    np.save(tmp_path / 'shard_00003.npy', np.zeros((5, 6), np.float32))
    with pytest.raises(EmbeddingCacheError,
                       match='shard_00000.npy has 8-D features, '
                       'shard_00003.npy 6-D'):
        embed_images(PATHS, CountingEmbedder(dim=8), str(tmp_path),
                     shard_size=5, progress=False)
    # A fresh shard of another dimension than the cached ones, too.
    os.remove(tmp_path / 'shard_00003.npy')
    with pytest.raises(EmbeddingCacheError, match='8-D features, '
                       'shard_00003.npy 4-D'):
        embed_images(PATHS, CountingEmbedder(dim=4), str(tmp_path),
                     shard_size=5, progress=False)


def test_damaged_shard_is_named(tmp_path):
    embed_images(PATHS, CountingEmbedder(), str(tmp_path), shard_size=5,
                 progress=False)
    np.save(tmp_path / 'shard_00001.npy', np.zeros((4, 8), np.float32))
    with pytest.raises(EmbeddingCacheError,
                       match=r'shard_00001.npy: expected 5 rows'):
        embed_images(PATHS, CountingEmbedder(), str(tmp_path), shard_size=5,
                     progress=False)
    (tmp_path / 'shard_00001.npy').write_bytes(b'not a numpy file')
    with pytest.raises(EmbeddingCacheError,
                       match='shard_00001.npy: unreadable cache shard'):
        embed_images(PATHS, CountingEmbedder(), str(tmp_path), shard_size=5,
                     progress=False)


def test_shards_without_metadata_are_refused(tmp_path):
    embed_images(PATHS, CountingEmbedder(), str(tmp_path), shard_size=5,
                 progress=False)
    os.remove(tmp_path / 'meta.json')
    with pytest.raises(EmbeddingCacheError, match='holds shards '
                       r'\(shard_00000.npy, ...\) but no meta.json'):
        embed_images(PATHS, CountingEmbedder(), str(tmp_path), shard_size=5,
                     progress=False)


def test_missing_shards_listing(tmp_path):
    cache = EmbeddingCache(str(tmp_path), PATHS, dict(model='m'),
                           shard_size=10)
    assert cache.num_shards == 3 and cache.missing_shards() == [0, 1, 2]
