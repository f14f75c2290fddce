"""Greedy, beam and nucleus decoding on hand-made next-token tables:
max length, min length and EOS are respected."""
import pytest
import torch

from mmvision_plus.models.multimodal import generate

BOS, EOS, PAD, V = 1, 2, 0, 6


def table_step(table):
    """Step function whose next-token log-probs depend only on the last
    token: ``table[last] -> (V,)`` log-probabilities."""
    def step(tokens, rows):
        return torch.stack([table[int(t)] for t in tokens[:, -1]])
    return step


def logp(probs):
    return torch.log(torch.tensor(probs) + 1e-12)


def next_token_table(default, rows=None):
    """``{last token: (V,) log-probs}``: ``rows[t]`` (probabilities) after
    token ``t``, ``default`` after every other token."""
    rows = rows or {}
    return {t: logp(rows.get(t, default)) for t in range(V)}


def chain_table():
    # BOS -> 3 -> 4 -> 5 -> EOS (each step almost certain)
    return next_token_table([0, 0, 0, 0, 0, 1.0], {
        BOS: [0, 0, 0.01, 0.99, 0, 0],
        3: [0, 0, 0.01, 0, 0.99, 0],
        4: [0, 0, 0.01, 0, 0, 0.99],
        5: [0, 0, 0.99, 0, 0, 0.01]})


def test_greedy_stops_at_eos_and_pads():
    prompt = torch.full((2, 1), BOS)
    out = generate(table_step(chain_table()), prompt, EOS, PAD,
                   strategy='greedy', max_length=10)
    assert out.tolist() == [[BOS, 3, 4, 5, EOS]] * 2


def test_max_length_and_min_length():
    prompt = torch.full((1, 1), BOS)
    out = generate(table_step(chain_table()), prompt, EOS, PAD,
                   strategy='greedy', max_length=3)
    assert out.tolist() == [[BOS, 3, 4]]
    # EOS is forbidden before min_length: 5 -> EOS becomes 5 -> 5 (0.01)
    out = generate(table_step(chain_table()), prompt, EOS, PAD,
                   strategy='greedy', max_length=10, min_length=6)
    assert out.tolist() == [[BOS, 3, 4, 5, 5, 5, EOS]]
    for strategy in ('beam', 'nucleus'):
        out = generate(table_step(chain_table()), prompt, EOS, PAD,
                       strategy=strategy, max_length=4, num_beams=2)
        assert out.shape[1] <= 4
    with pytest.raises(ValueError, match='shorter than the prompt'):
        generate(table_step(chain_table()), torch.ones(1, 5).long(), EOS,
                 PAD, max_length=3)


def test_beam_search_beats_greedy_on_a_trap():
    # greedy takes 3 (0.6) then is stuck with 0.3 per next token; the beam
    # finds 4 (0.4) followed by a sure EOS
    table = next_token_table([0, 0, 1.0, 0, 0, 0], {
        BOS: [0, 0, 0, 0.6, 0.4, 0],
        3: [0, 0, 0.3, 0.35, 0, 0.35],
        4: [0, 0, 1.0, 0, 0, 0],
        5: [0, 0, 0.3, 0, 0, 0.7]})
    prompt = torch.full((1, 1), BOS)
    greedy = generate(table_step(table), prompt, EOS, PAD,
                      strategy='greedy', max_length=4)
    beam = generate(table_step(table), prompt, EOS, PAD, strategy='beam',
                    num_beams=2, max_length=4, length_penalty=0.0)
    assert greedy[0, 1] == 3
    assert beam.tolist() == [[BOS, 4, EOS]]


def test_nucleus_sampling_keeps_the_nucleus():
    table = next_token_table([0, 0, 1.0, 0, 0, 0],
                             {BOS: [0, 0, 0, 0.7, 0.2, 0.1]})
    prompt = torch.full((200, 1), BOS)
    gen = torch.Generator().manual_seed(0)
    out = generate(table_step(table), prompt, EOS, PAD, strategy='nucleus',
                   top_p=0.85, max_length=3, generator=gen)
    firsts = out[:, 1]
    assert set(firsts.tolist()) == {3, 4}  # 5 is outside the 0.85 nucleus
    assert 0.65 < float((firsts == 3).float().mean()) < 0.9
    out = generate(table_step(table), prompt[:3], EOS, PAD,
                   strategy='nucleus', top_p=0.5, max_length=3)
    assert out[:, 1].tolist() == [3, 3, 3]  # a tiny nucleus is greedy


def test_repetition_penalty_discourages_repeats():
    table = next_token_table([0, 0, 0.05, 0.5, 0.45, 0])
    prompt = torch.full((1, 1), BOS)
    plain = generate(table_step(table), prompt, EOS, PAD, strategy='greedy',
                     max_length=4)
    penalised = generate(table_step(table), prompt, EOS, PAD,
                         strategy='greedy', max_length=4,
                         repetition_penalty=1.5)
    assert plain[0, 1:].tolist() == [3, 3, 3]
    assert penalised[0, 1:].tolist() == [3, 4, 3]
