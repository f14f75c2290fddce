"""Synthetic embeddings with planted structure, to test and time curation.

Pool points are drawn around random unit centres (``x = c + spread * g /
sqrt(D)``, normalised); with ``spread=1`` two points of one centre have a
cosine of about 0.5 and, in 256-D, stay below 0.8 even over the ~5e6
same-centre pairs of a 100k pool with 1000 centres, so that nothing but
the planted copies reaches the default thresholds (0.95 / 0.9). Planted:

* near-duplicate groups: a pool point and 1 or 2 jittered copies
  (``jitter=0.05``: cosine about 0.998), shuffled into the pool;
* near-evaluation images: evaluation points that are jittered copies of
  pool points (outside the duplicate groups); the other evaluation points
  are fresh draws;
* curated (query) points: fresh draws around the same centres.
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np


@dataclass
class SyntheticEmbeddings:
    """Features and the ground truth of what was planted.

    Attributes:
        curated: (Q, D) unit rows.
        pool: (P, D) unit rows.
        eval: (E, D) unit rows.
        duplicate_of: (P,) the kept (smallest) index of its planted group
            for planted copies, else -1.
        eval_source: (E,) pool index an evaluation point copies, else -1.
    """
    curated: np.ndarray
    pool: np.ndarray
    eval: np.ndarray
    duplicate_of: np.ndarray
    eval_source: np.ndarray


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def make_synthetic_embeddings(num_pool: int,
                              dim: int = 256,
                              num_centres: Optional[int] = None,
                              num_curated: Optional[int] = None,
                              num_eval: Optional[int] = None,
                              duplicate_groups: Optional[int] = None,
                              eval_near: Optional[int] = None,
                              spread: float = 1.0,
                              jitter: float = 0.05,
                              seed: int = 0) -> SyntheticEmbeddings:
    """Random embeddings with planted duplicates, eval copies and clusters.

    Args:
        num_pool: P, pool size (planted copies included).
        dim: D.
        num_centres: Cluster centres (default ``P // 100``, at least 1).
        num_curated: Q (default ``P // 50``, at least 1).
        num_eval: E (default ``P // 100``, at least ``eval_near``).
        duplicate_groups: Planted groups (default ``P // 40``): each adds 1
            or 2 copies of one pool point.
        eval_near: Evaluation points copying a pool point (default
            ``E // 2``).
        spread: Spread of the points around their centre.
        jitter: Size of the perturbation of a copy.
        seed: Seed of everything.

    Returns:
        SyntheticEmbeddings
    """
    rng = np.random.default_rng(seed)
    num_centres = num_centres or max(1, num_pool // 100)
    num_curated = num_curated or max(1, num_pool // 50)
    duplicate_groups = num_pool // 40 if duplicate_groups is None \
        else duplicate_groups
    num_eval = num_eval or max(1, num_pool // 100)
    eval_near = num_eval // 2 if eval_near is None else eval_near
    if eval_near > num_eval:
        raise ValueError(f'eval_near={eval_near} > num_eval={num_eval}')
    copies_per_group = rng.integers(1, 3, size=duplicate_groups)
    num_base = num_pool - int(copies_per_group.sum())
    if num_base < duplicate_groups + eval_near:
        raise ValueError(f'num_pool={num_pool} is too small for '
                         f'{duplicate_groups} duplicate groups and '
                         f'{eval_near} near-evaluation points')
    centres = _unit(rng.standard_normal((num_centres, dim)))

    def draw(n: int) -> np.ndarray:
        around = centres[rng.integers(0, num_centres, size=n)]
        return _unit(around + spread * rng.standard_normal((n, dim)) /
                     np.sqrt(dim))

    def copy(points: np.ndarray) -> np.ndarray:
        return _unit(points + jitter * rng.standard_normal(points.shape) /
                     np.sqrt(dim))

    base = draw(num_base)
    # Bases 0..G-1 get copies, bases G..G+eval_near-1 get evaluation copies.
    group_of_base = np.repeat(np.arange(duplicate_groups), copies_per_group)
    rows = np.concatenate([base, copy(base[group_of_base])])
    group = np.concatenate([
        np.where(np.arange(num_base) < duplicate_groups,
                 np.arange(num_base), -1), group_of_base])
    order = rng.permutation(num_pool)
    pool, group = rows[order], group[order]
    position = np.empty(num_pool, dtype=np.int64)
    position[order] = np.arange(num_pool)

    duplicate_of = np.full(num_pool, -1, dtype=np.int64)
    for g in range(duplicate_groups):
        members = np.flatnonzero(group == g)
        duplicate_of[members[1:]] = members[0]

    eval_points = np.concatenate(
        [copy(base[duplicate_groups:duplicate_groups + eval_near]),
         draw(num_eval - eval_near)])
    eval_source = np.concatenate([
        position[duplicate_groups:duplicate_groups + eval_near],
        np.full(num_eval - eval_near, -1, dtype=np.int64)])
    return SyntheticEmbeddings(curated=draw(num_curated), pool=pool,
                               eval=eval_points, duplicate_of=duplicate_of,
                               eval_source=eval_source)
