"""Curation selection steps on synthetic embeddings, each against a direct
numpy computation written here."""
import numpy as np
import pytest

from mmvision_plus.datasets.curation import (CurationParams,
                                             build_outputs,
                                             curate_embeddings,
                                             make_synthetic_embeddings,
                                             near_duplicate_representatives,
                                             spherical_kmeans)
from mmvision_plus.datasets.curation.outputs import ImageSet


def brute_force_groups(feats, threshold):
    """Smallest index of every row's component of the cos >= t graph
    (plain union-find over a dense similarity matrix)."""
    n = len(feats)
    sims = feats.astype(np.float64) @ feats.astype(np.float64).T
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(sims >= threshold)):
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    roots = np.array([find(i) for i in range(n)])
    first = {}
    for i, r in enumerate(roots):
        first.setdefault(r, i)
    return np.array([first[r] for r in roots])


@pytest.fixture(scope='module')
def data():
    return make_synthetic_embeddings(1500, dim=128, num_centres=12,
                                     num_curated=40, num_eval=20,
                                     duplicate_groups=60, eval_near=8,
                                     spread=1.5, seed=3)


def test_synthetic_ground_truth_is_what_brute_force_finds(data):
    # The generator's promise: only the planted copies are near-duplicates.
    expected = np.where(data.duplicate_of >= 0, data.duplicate_of,
                        np.arange(len(data.pool)))
    assert (brute_force_groups(data.pool, 0.95) == expected).all()
    assert (data.duplicate_of >= 0).sum() >= 60
    sims = data.eval.astype(np.float64) @ data.pool.T.astype(np.float64)
    near = sims.max(1) >= 0.9
    assert (near == (data.eval_source >= 0)).all() and near.sum() == 8


def test_exactly_planted_duplicates_and_eval_images_removed(data):
    params = CurationParams(num_clusters=12, small_query_size=10)
    result = curate_embeddings(data.curated, data.pool, data.eval, params)
    assert (result.duplicate_of == data.duplicate_of).all()
    removed_eval = np.flatnonzero(result.eval_match >= 0)
    planted = np.flatnonzero(data.eval_source >= 0)
    assert sorted(removed_eval) == sorted(data.eval_source[planted])
    for e in planted:
        assert result.eval_match[data.eval_source[e]] == e
    # Removed images are neither clustered nor retrieved.
    gone = (result.duplicate_of >= 0) | (result.eval_match >= 0)
    assert (result.cluster[gone] == -1).all()
    assert (result.cluster[~gone] >= 0).all()
    assert not gone[result.selected].any()


def test_near_duplicates_match_brute_force_at_other_thresholds(data):
    for threshold in (0.5, 0.7):
        got = near_duplicate_representatives(data.pool, threshold,
                                             search_batch=97)
        assert (got == brute_force_groups(data.pool, threshold)).all()


def test_threshold_is_inclusive():
    # Identical rows have an inner product of exactly 1.0: a threshold of
    # 1.0 must still group them (faiss' range search alone keeps > radius).
    feats = np.eye(4, dtype=np.float32)[[0, 1, 0, 2, 1]]
    assert near_duplicate_representatives(feats, 1.0).tolist() == [
        0, 1, 0, 3, 1]


def test_knn_retrieval_is_the_true_nearest_neighbours(data):
    params = CurationParams(num_clusters=12, num_neighbours=4,
                            small_query_size=10)
    result = curate_embeddings(data.curated, data.pool, data.eval, params)
    assert result.rule == 'knn'
    kept = np.flatnonzero(result.cluster >= 0)
    sims = data.curated.astype(np.float64) @ data.pool[kept].T.astype(
        np.float64)
    top = kept[np.argsort(-sims, axis=1)[:, :4]]
    assert result.selected.tolist() == sorted(set(top.ravel().tolist()))
    for i, by in zip(result.selected, result.brought_by):
        for record in by:
            q, rank = record['query'], record['rank']
            assert top[q, rank] == i
            assert record['similarity'] == pytest.approx(
                float(data.curated[q].astype(np.float64) @ data.pool[i]),
                abs=1e-5)
    assert result.num_retrieved == 4 * len(data.curated)


def test_small_query_set_samples_from_its_cluster(data):
    params = CurationParams(num_clusters=12, cluster_samples=5,
                            small_query_size=1000, seed=7)
    result = curate_embeddings(data.curated, data.pool, data.eval, params)
    assert result.rule == 'cluster'
    # Each curated image's cluster is its most similar centroid.
    sims = data.curated @ result.centroids.T
    assert (result.query_cluster == sims.argmax(1)).all()
    per_query = {}
    for i, by in zip(result.selected, result.brought_by):
        for record in by:
            assert record['cluster'] == result.query_cluster[record['query']]
            assert result.cluster[i] == record['cluster']
            per_query.setdefault(record['query'], []).append(i)
    assert sorted(per_query) == list(range(len(data.curated)))
    assert all(len(v) == 5 for v in per_query.values())
    # Seeded: the same draw again; another seed, another draw.
    again = curate_embeddings(data.curated, data.pool, data.eval, params)
    assert (again.selected == result.selected).all()
    params.seed = 8
    other = curate_embeddings(data.curated, data.pool, data.eval, params)
    assert set(other.selected.tolist()) != set(result.selected.tolist())


def test_cluster_smaller_than_m_gives_all_its_members():
    rng = np.random.default_rng(0)
    big = rng.standard_normal((60, 8)) * 0.05 + np.eye(8)[0]
    small = rng.standard_normal((3, 8)) * 0.05 + np.eye(8)[1]
    pool = np.concatenate([big, small]).astype(np.float32)
    query = (np.eye(8)[1] + 0.01).astype(np.float32)[None]
    params = CurationParams(dedup_threshold=1.0, num_clusters=2,
                            cluster_samples=10, small_query_size=5)
    result = curate_embeddings(query, pool, None, params)
    assert result.rule == 'cluster'
    assert result.selected.tolist() == [60, 61, 62]


def test_spherical_kmeans_assigns_to_most_similar_unit_centroid(data):
    centroids, labels = spherical_kmeans(data.pool, 12, 10, 0)
    assert np.allclose(np.linalg.norm(centroids, axis=1), 1, atol=1e-5)
    assert (labels == (data.pool @ centroids.T).argmax(1)).all()
    with pytest.raises(ValueError, match='num_clusters=50 is larger than '
                       'the 20 pool images'):
        spherical_kmeans(data.pool[:20], 50, 10, 0)


def _as_set(name, feats):
    return ImageSet(name, [f'{name}/{i}' for i in range(len(feats))], feats)


def test_report_counts_are_consistent(data):
    pool = data.pool.copy()
    pool[[5, 9]] = np.nan  # two unreadable pool images
    sets = dict(curated=_as_set('curated', data.curated),
                pool=_as_set('pool', pool), eval=_as_set('eval', data.eval))
    readable = sets['pool'].readable
    params = CurationParams(num_clusters=12, small_query_size=10)
    result = curate_embeddings(data.curated, pool[readable], data.eval,
                               params)
    out = build_outputs(sets['curated'], sets['pool'], sets['eval'], result,
                        params, dict(synthetic=True), include_curated=True)
    report = out['report']
    acc = report['pool_accounting']
    assert acc['listed'] == 1500 and acc['unreadable'] == 2
    assert acc['listed'] == (acc['unreadable'] + acc['near_duplicates'] +
                             acc['near_eval'] + acc['clustered'])
    assert acc['near_duplicates'] == len(report['removed']['near_duplicates'])
    assert report['removed']['unreadable']['pool'] == ['pool/5', 'pool/9']
    sizes = report['steps']['kmeans']['cluster_sizes']
    assert sum(sizes['histogram']['counts']) == 12
    assert sizes['min'] <= sizes['median'] <= sizes['max']
    assert sizes['mean'] * 12 == pytest.approx(acc['clustered'])
    ret = report['steps']['retrieval']
    assert ret['unique'] + ret['collisions'] == ret['retrieved']
    assert report['final']['size'] == len(out['list']) == \
        len(set(out['list']))
    assert report['final']['curated_images'] == 40
    assert report['final']['retrieved_pool_images'] == ret['unique']
    assert out['list'][:40] == sets['curated'].paths
    # Indices in the result refer to readable rows: paths must skip the
    # unreadable ones.
    pool_paths = sets['pool'].readable_paths
    listed = [e for e in out['sources']['images'] if e['origin'] == 'pool']
    assert [e['path'] for e in listed] == [pool_paths[i]
                                           for i in result.selected]
    assert all(e['brought_by'][0]['curated'].startswith('curated/')
               for e in listed)


@pytest.mark.parametrize('case, message', [
    ('dims', 'dimension mismatch between the sets: curated 128-D, pool '
     '64-D'),
    ('nan', 'pool: feature row 3 is not finite'),
    ('empty', 'pool: expected a non-empty'),
    ('all_removed', 'no pool image is left'),
])
def test_bad_inputs_are_named(data, case, message):
    pool = data.pool
    eval_feats = None
    if case == 'dims':
        pool = pool[:, :64]
    elif case == 'nan':
        pool = pool.copy()
        pool[3, 0] = np.nan
    elif case == 'empty':
        pool = pool[:0]
    else:
        eval_feats = data.pool
    with pytest.raises(ValueError, match=message):
        curate_embeddings(data.curated, pool, eval_feats,
                          CurationParams(num_clusters=4))


def test_params_are_checked():
    with pytest.raises(ValueError, match='dedup_threshold is a cosine'):
        CurationParams(dedup_threshold=1.5)
    with pytest.raises(ValueError, match='num_neighbours must be >= 1'):
        CurationParams(num_neighbours=0)
