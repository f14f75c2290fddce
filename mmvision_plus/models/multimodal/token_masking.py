"""Token masking for masked language modelling (BERT, ALBEF, VLMo, ViLT)."""
from typing import Iterable, Optional, Tuple

import torch
from torch import Tensor

from mmvision_plus.models.losses import IGNORE_INDEX


def mask_tokens(input_ids: Tensor,
                mask_token_id: int,
                vocab_size: int,
                special_token_ids: Iterable[int],
                mask_prob: float = 0.15,
                generator: Optional[torch.Generator] = None,
                word_starts: Optional[Tensor] = None
                ) -> Tuple[Tensor, Tensor]:
    """Choose MLM targets and corrupt them the BERT way (80/10/10).

    Every position holding a non-special token is chosen with probability
    ``mask_prob``; a chosen token becomes ``[MASK]`` with probability 0.8,
    a random token of the vocabulary with probability 0.1 and stays as it
    is with probability 0.1. Special tokens (padding, ``[CLS]``, ``[SEP]``,
    task tokens) are never chosen.

    Args:
        input_ids (Tensor): Token ids, shape (B, L).
        mask_token_id (int): Id of ``[MASK]``.
        vocab_size (int): Random replacements are drawn from
            ``[0, vocab_size)``.
        special_token_ids (Iterable[int]): Ids never chosen.
        mask_prob (float): Probability of choosing a token. Defaults to
            0.15.
        generator (torch.Generator, optional): Random generator (on the
            device of ``input_ids``).
        word_starts (Tensor, optional): Bool (B, L), True where a token
            starts a word (False for WordPiece's ``##`` continuations):
            whole-word masking (BERT-WWM, ViLT), a word is chosen with
            probability ``mask_prob`` and then all its tokens are; the
            80/10/10 corruption stays per token (Hugging Face's
            ``DataCollatorForWholeWordMask``). None: every token is a word.

    Returns:
        tuple[Tensor, Tensor]: The corrupted ids (B, L) and the labels
        (B, L): the original id at chosen positions, ``IGNORE_INDEX``
        elsewhere.
    """
    if not 0.0 <= mask_prob <= 1.0:
        raise ValueError(f'mask_prob must be in [0, 1], got {mask_prob}')
    device = input_ids.device

    def uniform() -> Tensor:
        return torch.rand(input_ids.shape, generator=generator,
                          device=device)

    special = torch.zeros_like(input_ids, dtype=torch.bool)
    for token in set(int(t) for t in special_token_ids):
        special |= input_ids == token
    draw = uniform()
    if word_starts is not None:
        if word_starts.shape != input_ids.shape:
            raise ValueError(f'word_starts {tuple(word_starts.shape)} must '
                             f'have the shape of input_ids '
                             f'{tuple(input_ids.shape)}')
        # every token takes the draw of the token that starts its word
        word = (word_starts.long().cumsum(dim=1) - 1).clamp(min=0)
        starts = torch.where(word_starts, draw, torch.ones_like(draw))
        first = torch.full_like(draw, 2.0).scatter_reduce(
            1, word, starts, reduce='amin')
        draw = first.gather(1, word)
    chosen = (draw < mask_prob) & ~special
    labels = torch.where(chosen, input_ids,
                         torch.full_like(input_ids, IGNORE_INDEX))
    draw = uniform()
    to_mask = chosen & (draw < 0.8)
    to_random = chosen & (draw >= 0.8) & (draw < 0.9)
    random_ids = torch.randint(vocab_size, input_ids.shape,
                               generator=generator, device=device)
    corrupted = torch.where(to_mask, torch.full_like(input_ids,
                                                     mask_token_id),
                            input_ids)
    corrupted = torch.where(to_random, random_ids, corrupted)
    return corrupted, labels
