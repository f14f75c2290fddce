"""The LVD-142M selection steps on embeddings (DINOv2 paper, Sec. 3 and
App. A), with faiss for every similarity search and for k-means.

All similarities are cosines of L2-normalised features (inner products in
a faiss ``IndexFlatIP``: exact, no approximation).

1. **Near-duplicates in the pool.** The paper runs the copy-detection
   pipeline of Pizzi et al. (2022, SSCD descriptors): each image's k=64
   nearest neighbours, edges above a similarity threshold (0.6 on SSCD
   descriptors), connected components of that graph, one representative
   kept per component. We build the same graph from *all* pairs with
   cosine >= ``dedup_threshold`` (faiss range search, exact), on the same
   embedding used for retrieval (no SSCD model here: thresholds tuned for
   SSCD descriptors do not transfer; 0.95 on DINOv2 cls features keeps
   only near-identical images). The representative of a component is its
   first image in source order, so the result is deterministic.
2. **Near an evaluation set.** The paper removes pool images whose
   component contains a benchmark image (a stricter threshold, 0.45 on
   SSCD). We drop every remaining pool image with cosine >=
   ``eval_threshold`` to any evaluation image (default 0.9, also stricter
   than the duplicate threshold).
3. **k-means** of the remaining pool: faiss spherical k-means
   (``num_clusters``, ``kmeans_iters``, ``seed``; faiss trains on at most
   256 points per centroid, sampled with the seed, and every image is then
   assigned to its nearest centroid).
4. **Retrieval**, the paper's rule: "if [the query set] is large enough we
   retrieve N (typically 4) nearest neighbors for each query image. If it
   is small, we sample M images from the cluster corresponding to each
   query image." "Small" is a *query-set* size, ``small_query_size``
   (the paper chose per dataset and publishes no number; 1000 is ours):
   with fewer curated images, each one samples ``cluster_samples`` images
   (without replacement, seeded) from the cluster of its nearest
   centroid (among non-empty clusters); otherwise each retrieves its
   ``num_neighbours`` nearest pool images. Images retrieved by several
   queries ("collisions", the reason the paper keeps N at 4) are kept once.
"""
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import faiss
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass
class CurationParams:
    """Parameters of :func:`curate_embeddings` (see the module docstring).

    Args:
        dedup_threshold: Cosine at or above which two pool images are
            near-duplicates.
        eval_threshold: Cosine to an evaluation image at or above which a
            pool image is dropped.
        num_clusters: k of the k-means.
        kmeans_iters: k-means iterations.
        seed: Seed of k-means and of cluster sampling.
        num_neighbours: N, pool images retrieved per curated image.
        cluster_samples: M, pool images sampled per curated image from its
            cluster when the curated set is small.
        small_query_size: A curated set with fewer images is "small".
        search_batch: Queries per faiss range search (bounds its memory).
    """
    dedup_threshold: float = 0.95
    eval_threshold: float = 0.9
    num_clusters: int = 100
    kmeans_iters: int = 20
    seed: int = 0
    num_neighbours: int = 4
    cluster_samples: int = 16
    small_query_size: int = 1000
    search_batch: int = 4096

    def __post_init__(self) -> None:
        for name in ('dedup_threshold', 'eval_threshold'):
            value = getattr(self, name)
            if not -1.0 <= value <= 1.0:
                raise ValueError(f'{name} is a cosine similarity and must be '
                                 f'in [-1, 1], got {value}')
        for name in ('num_clusters', 'kmeans_iters', 'num_neighbours',
                     'cluster_samples', 'search_batch'):
            if getattr(self, name) < 1:
                raise ValueError(f'{name} must be >= 1, got '
                                 f'{getattr(self, name)}')
        if self.small_query_size < 0:
            raise ValueError('small_query_size must be >= 0, got '
                             f'{self.small_query_size}')


@dataclass
class CurationResult:
    """What :func:`curate_embeddings` decided, per pool image (P images).

    Attributes:
        duplicate_of: (P,) index of the kept image of its duplicate group
            for removed duplicates, else -1.
        eval_match: (P,) index of the evaluation image that removed it,
            else -1.
        eval_similarity: (P,) its cosine to that image, else NaN.
        cluster: (P,) k-means cluster of the images that survived both
            filters, else -1.
        centroids: (k, D) unit-norm centroids.
        rule: ``'knn'`` or ``'cluster'`` (retrieval rule used).
        query_cluster: (Q,) cluster of each curated image's nearest
            centroid.
        selected: (S,) retrieved pool indices, ascending, unique.
        brought_by: S lists, parallel to ``selected``, of the curated
            images that retrieved it: ``{'query', 'rank', 'similarity'}``
            (knn) or ``{'query', 'cluster'}`` (cluster sampling).
        num_retrieved: Retrievals before removing collisions.
        timings: Seconds per step.
    """
    duplicate_of: np.ndarray
    eval_match: np.ndarray
    eval_similarity: np.ndarray
    cluster: np.ndarray
    centroids: np.ndarray
    rule: str
    query_cluster: np.ndarray
    selected: np.ndarray
    brought_by: List[List[dict]]
    num_retrieved: int
    timings: Dict[str, float] = field(default_factory=dict)

    @property
    def cluster_sizes(self) -> np.ndarray:
        """(k,) pool images per cluster."""
        return np.bincount(self.cluster[self.cluster >= 0],
                           minlength=len(self.centroids))


def unit_rows(feats: np.ndarray, name: str) -> np.ndarray:
    """Contiguous float32 (N, D) copy with rows of unit L2 norm.

    Raises:
        ValueError: Not 2-D, empty, a non-finite value or a zero row
            (naming ``name`` and the row).
    """
    feats = np.asarray(feats, dtype=np.float32)
    if feats.ndim != 2 or feats.shape[0] == 0:
        raise ValueError(f'{name}: expected a non-empty (N, D) feature '
                         f'array, got shape {feats.shape}')
    bad = ~np.isfinite(feats).all(1)
    if bad.any():
        raise ValueError(f'{name}: feature row {int(np.argmax(bad))} is not '
                         'finite (unreadable images must be left out first)')
    norms = np.linalg.norm(feats, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError(f'{name}: feature row '
                         f'{int(np.argmax(norms[:, 0] == 0))} is zero')
    return np.ascontiguousarray(feats / norms)


def _flat_ip(base: np.ndarray) -> faiss.IndexFlatIP:
    index = faiss.IndexFlatIP(base.shape[1])
    index.add(base)
    return index


def near_duplicate_representatives(feats: np.ndarray, threshold: float,
                                   search_batch: int = 4096) -> np.ndarray:
    """Kept image of every image's near-duplicate group.

    Groups are the connected components of the graph linking every pair
    with cosine >= ``threshold`` (all pairs, by faiss range search).

    Args:
        feats: (N, D) unit rows.
        threshold: Cosine threshold.
        search_batch: Queries per range search.

    Returns:
        np.ndarray: (N,) int64; entry i is the smallest index of i's group
        (i itself for kept images).
    """
    n = len(feats)
    index = _flat_ip(feats)
    # faiss keeps inner products strictly above the radius.
    radius = float(np.nextafter(np.float32(threshold), np.float32(-2)))
    rows, cols = [], []
    for start in range(0, n, search_batch):
        lims, _, found = index.range_search(
            feats[start:start + search_batch], radius)
        query = np.repeat(np.arange(start, start + len(lims) - 1),
                          np.diff(lims).astype(np.int64))
        rows.append(query)
        cols.append(found)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)),
                       shape=(n, n))
    num_groups, group = connected_components(graph, directed=False)
    first = np.full(num_groups, n, dtype=np.int64)
    np.minimum.at(first, group, np.arange(n))
    return first[group]


def nearest(queries: np.ndarray, base: np.ndarray,
            k: int) -> Tuple[np.ndarray, np.ndarray]:
    """Exact k nearest ``base`` rows of every query (cosine).

    Args:
        queries: (Q, D) unit rows.
        base: (B, D) unit rows, B >= k.
        k: Neighbours per query.

    Returns:
        tuple: (Q, k) similarities (descending) and (Q, k) int64 indices.
    """
    sims, idx = _flat_ip(base).search(queries, k)
    return sims, idx


def spherical_kmeans(feats: np.ndarray, num_clusters: int, niter: int,
                     seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """faiss spherical k-means and the assignment of every row.

    Args:
        feats: (N, D) unit rows, N >= ``num_clusters``.
        num_clusters: k.
        niter: Iterations.
        seed: Seed (initial centroids, training subsample).

    Returns:
        tuple: (k, D) centroids and (N,) int64 cluster of every row.
    """
    if num_clusters > len(feats):
        raise ValueError(
            f'k-means: num_clusters={num_clusters} is larger than the '
            f'{len(feats)} pool images left after deduplication and '
            'evaluation filtering; lower num_clusters')
    kmeans = faiss.Kmeans(feats.shape[1], num_clusters, niter=niter,
                          seed=seed, spherical=True, verbose=False)
    kmeans.train(feats)
    _, labels = kmeans.index.search(feats, 1)
    return kmeans.centroids, labels[:, 0].astype(np.int64)


def _retrieve_knn(queries: np.ndarray, base: np.ndarray,
                  n: int) -> Dict[int, List[dict]]:
    sims, idx = nearest(queries, base, min(n, len(base)))
    brought_by: Dict[int, List[dict]] = {}
    for q in range(len(queries)):
        for rank, (i, s) in enumerate(zip(idx[q], sims[q])):
            brought_by.setdefault(int(i), []).append(
                dict(query=q, rank=rank, similarity=float(s)))
    return brought_by


def _retrieve_from_clusters(query_cluster: np.ndarray, labels: np.ndarray,
                            m: int, seed: int) -> Dict[int, List[dict]]:
    rng = np.random.default_rng(seed)
    members = {int(c): np.flatnonzero(labels == c)
               for c in np.unique(query_cluster)}
    brought_by: Dict[int, List[dict]] = {}
    for q, c in enumerate(query_cluster.tolist()):
        pick = rng.choice(members[c], size=min(m, len(members[c])),
                          replace=False)
        for i in sorted(pick.tolist()):
            brought_by.setdefault(i, []).append(dict(query=q, cluster=c))
    return brought_by


def curate_embeddings(curated: np.ndarray, pool: np.ndarray,
                      eval_feats: Optional[np.ndarray] = None,
                      params: Optional[CurationParams] = None
                      ) -> CurationResult:
    """Run the four selection steps on embeddings.

    Args:
        curated: (Q, D) features of the curated (query) images.
        pool: (P, D) features of the uncurated pool.
        eval_feats: Optional (E, D) features of evaluation images.
        params: Step parameters.

    Returns:
        CurationResult: Indices refer to rows of the inputs.

    Raises:
        ValueError: Empty or non-finite inputs, feature dimensions that
            differ between the sets, nothing left to cluster, or
            ``num_clusters`` larger than what is left.
    """
    params = params or CurationParams()
    curated = unit_rows(curated, 'curated set')
    pool = unit_rows(pool, 'pool')
    sets = dict(curated=curated, pool=pool)
    if eval_feats is not None:
        eval_feats = unit_rows(eval_feats, 'evaluation set')
        sets['evaluation set'] = eval_feats
    dims = {name: feats.shape[1] for name, feats in sets.items()}
    if len(set(dims.values())) > 1:
        raise ValueError('feature dimension mismatch between the sets: ' +
                         ', '.join(f'{k} {v}-D' for k, v in dims.items()))
    num_pool = len(pool)
    timings: Dict[str, float] = {}

    tic = time.perf_counter()
    first = near_duplicate_representatives(pool, params.dedup_threshold,
                                           params.search_batch)
    is_copy = first != np.arange(num_pool)
    duplicate_of = np.where(is_copy, first, -1)
    timings['deduplication'] = time.perf_counter() - tic

    tic = time.perf_counter()
    eval_match = np.full(num_pool, -1, dtype=np.int64)
    eval_similarity = np.full(num_pool, np.nan, dtype=np.float32)
    survivors = np.flatnonzero(~is_copy)
    if eval_feats is not None:
        sims, idx = nearest(pool[survivors], eval_feats, 1)
        near = sims[:, 0] >= params.eval_threshold
        eval_match[survivors[near]] = idx[near, 0]
        eval_similarity[survivors[near]] = sims[near, 0]
        survivors = survivors[~near]
    timings['eval_filter'] = time.perf_counter() - tic
    if len(survivors) == 0:
        raise ValueError(f'no pool image is left after deduplication and '
                         f'evaluation filtering (of {num_pool}); check the '
                         'thresholds')

    tic = time.perf_counter()
    centroids, labels = spherical_kmeans(pool[survivors],
                                         params.num_clusters,
                                         params.kmeans_iters, params.seed)
    cluster = np.full(num_pool, -1, dtype=np.int64)
    cluster[survivors] = labels
    timings['kmeans'] = time.perf_counter() - tic

    tic = time.perf_counter()
    non_empty = np.unique(labels)
    _, nearest_centroid = nearest(curated, centroids[non_empty], 1)
    query_cluster = non_empty[nearest_centroid[:, 0]]
    rule = 'cluster' if len(curated) < params.small_query_size else 'knn'
    if rule == 'knn':
        local = _retrieve_knn(curated, pool[survivors], params.num_neighbours)
    else:
        local = _retrieve_from_clusters(query_cluster, labels,
                                        params.cluster_samples, params.seed)
    order = sorted(local)
    timings['retrieval'] = time.perf_counter() - tic
    return CurationResult(
        duplicate_of=duplicate_of, eval_match=eval_match,
        eval_similarity=eval_similarity, cluster=cluster,
        centroids=centroids, rule=rule, query_cluster=query_cluster,
        selected=survivors[np.asarray(order, dtype=np.int64)],
        brought_by=[local[i] for i in order],
        num_retrieved=sum(len(v) for v in local.values()), timings=timings)
