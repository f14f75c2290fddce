"""Recall@K of image-text retrieval in both directions (COCO / Flickr30K
protocol: an image query is correct at K if any of its captions is in the
top K; a caption query if its image is).

mmpretrain's ``RetrievalRecall`` (which the retrieval loops use) scores one
query at a time; :func:`image_text_recall` ranks all queries at once and is
what the benchmark and the inference API report;
:func:`image_text_recall_loop` is the per-query reference. Ties are broken
by a stable descending sort (the lower gallery index first).
"""
from typing import Dict, Sequence

import torch
from torch import Tensor

DEFAULT_KS = (1, 5, 10)


def _check(i2t_scores: Tensor, t2i_scores: Tensor,
           text_to_image: Tensor) -> Tensor:
    text_to_image = torch.as_tensor(text_to_image).reshape(-1).long()
    num_images, num_texts = i2t_scores.shape
    if t2i_scores.shape != (num_texts, num_images):
        raise ValueError(f'i2t_scores {tuple(i2t_scores.shape)} and '
                         f't2i_scores {tuple(t2i_scores.shape)} must be '
                         '(I, T) and (T, I)')
    if text_to_image.numel() != num_texts:
        raise ValueError(f'text_to_image has {text_to_image.numel()} entries '
                         f'for {num_texts} texts')
    if text_to_image.numel() and (text_to_image.min() < 0 or
                                  text_to_image.max() >= num_images):
        raise ValueError('text_to_image holds an image index out of range')
    return text_to_image


def _summary(i2t_rank: Tensor, t2i_rank: Tensor,
             ks: Sequence[int]) -> Dict[str, float]:
    out: Dict[str, float] = {}
    for name, rank in (('i2t', i2t_rank), ('t2i', t2i_rank)):
        for k in ks:
            out[f'{name}/R{k}'] = float((rank < k).double().mean() * 100)
    for k in ks:
        out[f'mean/R{k}'] = (out[f'i2t/R{k}'] + out[f't2i/R{k}']) / 2
    out['r_mean'] = sum(out[f'{d}/R{k}'] for d in ('i2t', 't2i')
                        for k in ks) / (2 * len(ks))
    return out


def image_text_recall(i2t_scores: Tensor,
                      t2i_scores: Tensor,
                      text_to_image: Tensor,
                      ks: Sequence[int] = DEFAULT_KS) -> Dict[str, float]:
    """R@K of both directions, their means and ``r_mean`` (in percent).

    Args:
        i2t_scores (Tensor): Scores (I, T) of every text for every image.
        t2i_scores (Tensor): Scores (T, I) of every image for every text.
        text_to_image (Tensor): Image index of each text (T,).
        ks (Sequence[int]): Cut-offs. Defaults to (1, 5, 10).

    Returns:
        dict[str, float]: ``i2t/R{k}``, ``t2i/R{k}``, ``mean/R{k}``,
        ``r_mean``.
    """
    text_to_image = _check(i2t_scores, t2i_scores, text_to_image)
    num_images = i2t_scores.size(0)
    order = torch.sort(i2t_scores, dim=1, descending=True,
                       stable=True).indices  # (I, T)
    positive = text_to_image[order] == torch.arange(num_images)[:, None]
    if not bool(positive.any(dim=1).all()):
        raise ValueError('an image has no caption')
    i2t_rank = positive.float().argmax(dim=1)  # first positive
    order = torch.sort(t2i_scores, dim=1, descending=True,
                       stable=True).indices  # (T, I)
    t2i_rank = (order == text_to_image[:, None]).float().argmax(dim=1)
    return _summary(i2t_rank, t2i_rank, ks)


def image_text_recall_loop(i2t_scores: Tensor,
                           t2i_scores: Tensor,
                           text_to_image: Tensor,
                           ks: Sequence[int] = DEFAULT_KS
                           ) -> Dict[str, float]:
    """Per-query reference of :func:`image_text_recall` (same results)."""
    text_to_image = _check(i2t_scores, t2i_scores, text_to_image)
    captions = {}
    for text, image in enumerate(text_to_image.tolist()):
        captions.setdefault(image, set()).add(text)
    i2t_rank, t2i_rank = [], []
    for image in range(i2t_scores.size(0)):
        order = torch.sort(i2t_scores[image], descending=True,
                           stable=True).indices.tolist()
        i2t_rank.append(next(r for r, t in enumerate(order)
                             if t in captions.get(image, ())))
    for text, image in enumerate(text_to_image.tolist()):
        order = torch.sort(t2i_scores[text], descending=True,
                           stable=True).indices.tolist()
        t2i_rank.append(order.index(image))
    return _summary(torch.tensor(i2t_rank), torch.tensor(t2i_rank), ks)
