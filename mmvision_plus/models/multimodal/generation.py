"""Text generation for image-conditioned decoders (BLIP's captioner, CoCa):
greedy search, beam search and nucleus sampling.

The decoder is seen only through a step function ``step(tokens, rows)``
that returns the next-token logits (N, V) of N partial sequences (N, t);
``rows`` (N,) says which input (image) each sequence belongs to, so the
model can pick that input's encoder states. mmpretrain's BLIP captioner
relies on the ``generate()`` that Hugging Face models inherit (deprecated
for such models since transformers 4.46 and dropping the image states
for ``BertLMHeadModel``); this module keeps decoding independent of that.

Lengths follow Hugging Face's convention: ``max_length`` and
``min_length`` count the whole sequence, prompt included. Generation of a
sequence stops at ``eos_token_id`` (kept in the output) or at
``max_length``; positions after the end hold ``pad_token_id``.
"""
from typing import Callable, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

StepFn = Callable[[Tensor, Tensor], Tensor]
STRATEGIES = ('greedy', 'beam', 'nucleus')


def _process_logits(logits: Tensor, tokens: Tensor, eos_token_id: int,
                    min_length: int, repetition_penalty: float) -> Tensor:
    """Repetition penalty (CTRL / Hugging Face form) and no EOS before
    ``min_length``."""
    logits = logits.float()
    if repetition_penalty != 1.0:
        seen = torch.gather(logits, 1, tokens)
        seen = torch.where(seen > 0, seen / repetition_penalty,
                           seen * repetition_penalty)
        logits = logits.scatter(1, tokens, seen)
    if tokens.size(1) < min_length:
        logits[:, eos_token_id] = float('-inf')
    return logits


def _nucleus_filter(logits: Tensor, top_p: float) -> Tensor:
    """Keep the smallest set of tokens whose probability mass reaches
    ``top_p`` (at least one token); the others get -inf."""
    sorted_logits, order = logits.sort(dim=1, descending=True)
    mass_before = F.softmax(sorted_logits, dim=1).cumsum(dim=1) - \
        F.softmax(sorted_logits, dim=1)
    drop_sorted = mass_before >= top_p
    drop_sorted[:, 0] = False
    drop = drop_sorted.scatter(1, order, drop_sorted)
    return logits.masked_fill(drop, float('-inf'))


def _sample_or_argmax(step: StepFn, prompt_ids: Tensor, eos_token_id: int,
                      pad_token_id: int, max_length: int, min_length: int,
                      repetition_penalty: float, top_p: Optional[float],
                      temperature: float,
                      generator: Optional[torch.Generator]) -> Tensor:
    """Greedy search (``top_p`` None) or nucleus sampling."""
    tokens = prompt_ids
    rows = torch.arange(tokens.size(0), device=tokens.device)
    finished = torch.zeros_like(rows, dtype=torch.bool)
    while tokens.size(1) < max_length and not bool(finished.all()):
        logits = _process_logits(step(tokens, rows), tokens, eos_token_id,
                                 min_length, repetition_penalty)
        if top_p is None:
            next_token = logits.argmax(dim=1)
        else:
            probs = F.softmax(_nucleus_filter(logits / temperature, top_p),
                              dim=1)
            next_token = torch.multinomial(probs, 1,
                                           generator=generator).reshape(-1)
        next_token = next_token.masked_fill(finished, pad_token_id)
        tokens = torch.cat([tokens, next_token[:, None]], dim=1)
        finished |= next_token == eos_token_id
    return tokens


def _beam_search(step: StepFn, prompt_ids: Tensor, eos_token_id: int,
                 pad_token_id: int, max_length: int, min_length: int,
                 repetition_penalty: float, num_beams: int,
                 length_penalty: float) -> Tensor:
    """Beam search; hypotheses are ranked by ``sum log p / length **
    length_penalty`` (Hugging Face's scoring)."""
    batch, device = prompt_ids.size(0), prompt_ids.device
    tokens = prompt_ids.repeat_interleave(num_beams, dim=0)
    rows = torch.arange(batch, device=device).repeat_interleave(num_beams)
    beam_scores = torch.zeros(batch, num_beams, device=device)
    beam_scores[:, 1:] = float('-inf')  # the first step expands beam 0 only
    finished: List[List[Tuple[float, Tensor]]] = [[] for _ in range(batch)]
    done = [False] * batch

    def normalised(score: float, length: int) -> float:
        return score / (length**length_penalty)

    while tokens.size(1) < max_length and not all(done):
        logits = _process_logits(step(tokens, rows), tokens, eos_token_id,
                                 min_length, repetition_penalty)
        log_probs = F.log_softmax(logits, dim=1)
        vocab = log_probs.size(1)
        candidates = (beam_scores.reshape(-1, 1) + log_probs).view(
            batch, num_beams * vocab)
        top_scores, top_idx = candidates.topk(2 * num_beams, dim=1)
        next_tokens, next_scores, sources = [], [], []
        for b in range(batch):
            chosen: List[Tuple[float, int, int]] = []
            for score, idx in zip(top_scores[b].tolist(),
                                  top_idx[b].tolist()):
                beam, token = divmod(idx, vocab)
                if done[b] or score == float('-inf'):
                    break
                if token == eos_token_id:
                    seq = torch.cat([tokens[b * num_beams + beam],
                                     tokens.new_tensor([token])])
                    finished[b].append(
                        (normalised(score, seq.numel()), seq))
                else:
                    chosen.append((score, beam, token))
                if len(chosen) == num_beams:
                    break
            if done[b] or len(chosen) < num_beams:
                # finished item (or too few live candidates): keep padding
                chosen += [(float('-inf'), 0, pad_token_id)] * (
                    num_beams - len(chosen))
            for score, beam, token in chosen:
                next_scores.append(score)
                sources.append(b * num_beams + beam)
                next_tokens.append(token)
            if len(finished[b]) >= num_beams and not done[b]:
                best_live = max(s for s, _, _ in chosen)
                worst_kept = sorted(h[0] for h in finished[b])[-num_beams]
                done[b] = normalised(best_live,
                                     tokens.size(1) + 1) <= worst_kept
        tokens = torch.cat([tokens[sources],
                            tokens.new_tensor(next_tokens)[:, None]], dim=1)
        beam_scores = torch.tensor(next_scores, device=device).view(
            batch, num_beams)
    outputs = []
    for b in range(batch):
        hyps = list(finished[b])
        if not done[b]:  # max_length reached: live beams are hypotheses
            for k in range(num_beams):
                score = float(beam_scores[b, k])
                if score > float('-inf'):
                    hyps.append((normalised(score, tokens.size(1)),
                                 tokens[b * num_beams + k]))
        outputs.append(max(hyps, key=lambda h: h[0])[1])
    length = max(seq.numel() for seq in outputs)
    return torch.stack([
        F.pad(seq, (0, length - seq.numel()), value=pad_token_id)
        for seq in outputs
    ])


def generate(step: StepFn,
             prompt_ids: Tensor,
             eos_token_id: int,
             pad_token_id: int,
             strategy: str = 'beam',
             max_length: int = 20,
             min_length: int = 0,
             num_beams: int = 3,
             top_p: float = 0.9,
             temperature: float = 1.0,
             repetition_penalty: float = 1.0,
             length_penalty: float = 1.0,
             generator: Optional[torch.Generator] = None) -> Tensor:
    """Generate token sequences (see the module docstring).

    Args:
        step (Callable[[Tensor, Tensor], Tensor]): ``(tokens (N, t), rows
            (N,)) -> logits (N, V)`` of the next token.
        prompt_ids (Tensor): Start of every sequence (BOS and prompt),
            shape (B, P); all rows have the same length.
        eos_token_id (int): End-of-sequence id.
        pad_token_id (int): Id written after the end.
        strategy (str): ``'greedy'``, ``'beam'`` or ``'nucleus'``.
            Defaults to ``'beam'``.
        max_length (int): Maximum sequence length, prompt included
            (BLIP: 20 for beam search). Defaults to 20.
        min_length (int): EOS is forbidden before this length (BLIP: 5).
            Defaults to 0.
        num_beams (int): Beams of beam search (BLIP: 3). Defaults to 3.
        top_p (float): Nucleus mass (BLIP: 0.9). Defaults to 0.9.
        temperature (float): Softmax temperature of nucleus sampling.
            Defaults to 1.0.
        repetition_penalty (float): Divides positive (multiplies negative)
            logits of tokens already present (BLIP: 1.0 for beam, 1.1 for
            nucleus). Defaults to 1.0.
        length_penalty (float): Exponent of the length normalisation of
            beam hypotheses. Defaults to 1.0.
        generator (torch.Generator, optional): Random generator of
            nucleus sampling.

    Returns:
        Tensor: Token ids (B, L) with P < L <= max_length (or L = P when
        the prompt is already ``max_length`` long), prompt included.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f'generate: strategy must be one of {STRATEGIES}, '
                         f'got {strategy!r}')
    if prompt_ids.dim() != 2 or prompt_ids.size(1) < 1:
        raise ValueError('generate: prompt_ids must be (B, P) with P >= 1 '
                         '(at least the BOS token)')
    if max_length < prompt_ids.size(1):
        raise ValueError(f'generate: max_length {max_length} is shorter '
                         f'than the prompt ({prompt_ids.size(1)} tokens)')
    if strategy == 'beam':
        if num_beams < 1:
            raise ValueError(f'num_beams must be >= 1, got {num_beams}')
        return _beam_search(step, prompt_ids, eos_token_id, pad_token_id,
                            max_length, min_length, repetition_penalty,
                            num_beams, length_penalty)
    if strategy == 'nucleus' and not 0 < top_p <= 1:
        raise ValueError(f'top_p must be in (0, 1], got {top_p}')
    return _sample_or_argmax(step, prompt_ids, eos_token_id, pad_token_id,
                             max_length, min_length, repetition_penalty,
                             top_p if strategy == 'nucleus' else None,
                             temperature, generator)
