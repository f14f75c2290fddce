"""text_image_rank: hand-made similarity matrices and the loop reference."""
import numpy as np
import pytest
import torch

from mmvision_plus.evaluation.functional import (text_image_rank,
                                                 text_image_rank_loop)

BOTH = pytest.mark.parametrize('rank_fn',
                               [text_image_rank, text_image_rank_loop])


def _close(result, expected):
    assert set(result) == set(expected)
    for key, value in expected.items():
        assert result[key] == pytest.approx(value, abs=1e-9), key


# One query against gallery images g0..g3 of pids [0, 1, 0, 2]: its
# similarities, its pid and the expected R1, mAP and mINP (R5 and R10
# exceed the gallery size and count the whole gallery: always 100).
ONE_QUERY_BY_HAND = [
    # Ranked: g1 (pid 1), g2 (pid 0), g3 (pid 2), g0 (pid 0): matches at
    # ranks 2 and 4 -> AP = (1/2 + 2/4) / 2, INP = 2 / 4.
    pytest.param([0.1, 0.9, 0.5, 0.3], 0, 0., 50., 50., id='two-matches'),
    # The only match is ranked last (4 of 4).
    pytest.param([0.9, 0.8, 0.7, 0.1], 2, 0., 25., 25., id='match-last'),
    # Ties rank the earlier gallery index first. Order g0, g1, g2, g3:
    # pid 1 is found at rank 2.
    pytest.param([0.5] * 4, 1, 0., 50., 50., id='all-tied-rank-2'),
    # pid 0 at ranks 1 and 3: AP = (1/1 + 2/3) / 2, INP = 2/3.
    pytest.param([0.5] * 4, 0, 100., 100 * 5 / 6, 100 * 2 / 3,
                 id='all-tied-ranks-1-3'),
    # A tie between a non-match (index 0) and a match (index 3) above the
    # rest: the non-match wins, so the match is at rank 2.
    pytest.param([0.9, 0.1, 0.2, 0.9], 2, 0., 50., 50.,
                 id='tie-non-match-first'),
]


@BOTH
@pytest.mark.parametrize('sim_row,query_pid,r1,ap,inp', ONE_QUERY_BY_HAND)
def test_one_query_by_hand(rank_fn, sim_row, query_pid, r1, ap, inp):
    _close(rank_fn([sim_row], [query_pid], [0, 1, 0, 2]),
           dict(R1=r1, R5=100., R10=100., mAP=ap, mINP=inp))


@BOTH
def test_several_queries_and_cutoffs(rank_fn):
    num_gallery = 12
    gallery_pids = np.arange(num_gallery) // 3  # 4 ids x 3 images
    scores = np.linspace(1.0, 0.0, num_gallery)
    # Query A (pid 3): images 9..11 hold pid 3; put them at ranks 1, 6, 7.
    order_a = [9, 0, 1, 2, 3, 10, 11, 4, 5, 6, 7, 8]
    # Query B (pid 1): images 3..5; put them at ranks 7, 8, 12.
    order_b = [0, 1, 2, 6, 7, 8, 3, 4, 9, 10, 11, 5]
    sim = np.zeros((2, num_gallery))
    sim[0, order_a] = scores
    sim[1, order_b] = scores
    ap_a = (1 / 1 + 2 / 6 + 3 / 7) / 3
    ap_b = (1 / 7 + 2 / 8 + 3 / 12) / 3
    expected = dict(
        R1=50., R5=50., R10=100., mAP=100 * (ap_a + ap_b) / 2,
        mINP=100 * (3 / 7 + 3 / 12) / 2)
    _close(rank_fn(torch.tensor(sim), torch.tensor([3, 1]), gallery_pids),
           expected)
    # max_rank limits the reported cut-offs, not mAP / mINP.
    limited = rank_fn(sim, [3, 1], gallery_pids, max_rank=5)
    _close(limited, {k: v for k, v in expected.items() if k != 'R10'})


def test_vectorised_matches_loop_on_random_data():
    gen = torch.Generator().manual_seed(0)
    num_query, num_gallery = 203, 97
    gallery_pids = torch.randint(0, 30, (num_gallery, ), generator=gen)
    query_pids = gallery_pids[torch.randint(
        0, num_gallery, (num_query, ), generator=gen)]
    # Rounding creates many ties; float32 input like real features.
    sim = (torch.rand(num_query, num_gallery, generator=gen) * 10).round()
    sim = sim.float() / 10
    expected = text_image_rank_loop(sim, query_pids, gallery_pids)
    for chunk_size in (1, 7, 512):
        result = text_image_rank(sim, query_pids, gallery_pids,
                                 chunk_size=chunk_size)
        _close(result, expected)
    # Random (continuous) similarities too.
    sim = torch.randn(num_query, num_gallery, generator=gen)
    _close(text_image_rank(sim, query_pids, gallery_pids, chunk_size=50),
           text_image_rank_loop(sim, query_pids, gallery_pids))


def test_perfect_and_reversed_ranking():
    pids = torch.tensor([0, 1, 2, 3])
    eye = torch.eye(4)
    _close(text_image_rank(eye, pids, pids),
           dict(R1=100., R5=100., R10=100., mAP=100., mINP=100.))
    # Each match last of 4.
    _close(text_image_rank(-eye, pids, pids),
           dict(R1=0., R5=100., R10=100., mAP=25., mINP=25.))


@BOTH
def test_bad_input(rank_fn):
    with pytest.raises(ValueError, match=r'query 1 \(pid 7\) has no match'):
        rank_fn([[1., 0.], [0., 1.]], [0, 7], [0, 1])
    with pytest.raises(ValueError, match='NaN'):
        rank_fn([[float('nan'), 0.]], [0], [0, 1])
    with pytest.raises(ValueError, match='query_pids has 2 entries'):
        rank_fn([[1., 0.]], [0, 1], [0, 1])
    with pytest.raises(ValueError, match='gallery_pids has 3 entries'):
        rank_fn([[1., 0.]], [0], [0, 1, 2])
    with pytest.raises(ValueError, match='max_rank'):
        rank_fn([[1., 0.]], [0], [0, 1], max_rank=0)
    with pytest.raises(ValueError, match='matrix'):
        rank_fn([1., 0.], [0], [0, 1])
