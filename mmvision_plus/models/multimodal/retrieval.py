"""Image-text retrieval scoring: ITC ranking with ITM re-ranking of the top
k, and the retrieval predictions the recall metrics read (mmpretrain's
``RetrievalRecall`` layout, scored by our ``ImageTextRecall``).

ALBEF and BLIP (and mmpretrain's ``BlipRetrieval``) re-rank with one loop
iteration per query, running the fusion encoder on the k candidates of
that query. :func:`rerank_topk` selects the top k of every query at once
and scores all (query, candidate) pairs in fixed-size batches, so the
fusion encoder always sees full batches whatever k is;
:func:`rerank_topk_per_query` is the straightforward per-query loop, kept
as the reference it is tested and benchmarked against.
"""
from typing import Callable, List, Optional, Sequence, Tuple

import torch
from mmpretrain.structures import DataSample
from mmpretrain.utils import track_on_main_process
from torch import Tensor

#: Score of the pairs outside a query's top k (ALBEF's and BLIP's value).
NOT_RERANKED = -100.0

PairScorer = Callable[[Tensor, Tensor], Tensor]


def _check_topk(similarity: Tensor, topk: int) -> int:
    if similarity.dim() != 2:
        raise ValueError(f'similarity must be (num_queries, num_gallery), '
                         f'got shape {tuple(similarity.shape)}')
    if topk < 1:
        raise ValueError(f'topk must be >= 1, got {topk}')
    return min(topk, similarity.size(1))


def rerank_topk(similarity: Tensor,
                score_pairs: PairScorer,
                topk: int = 256,
                batch_size: int = 128,
                add_similarity: bool = False,
                progress: bool = True,
                description: str = 'ITM re-ranking') -> Tensor:
    """Re-rank the top k of every query with a pair scorer.

    Args:
        similarity (Tensor): ITC similarity (Q, G) of each query to each
            gallery item.
        score_pairs (Callable[[Tensor, Tensor], Tensor]): Maps query indices
            (P,) and gallery indices (P,) to pair scores (P,) (the ITM
            logit of "matched").
        topk (int): Candidates re-ranked per query (clipped to G).
            Defaults to 256.
        batch_size (int): Pairs scored per call of ``score_pairs``.
            Defaults to 128.
        add_similarity (bool): Final score = pair score + similarity (BLIP)
            instead of the pair score alone (ALBEF). Defaults to False.
        progress (bool): Show a progress bar (main process). Defaults to
            True.
        description (str): Progress-bar label.

    Returns:
        Tensor: Scores (Q, G): the re-ranked score for each query's top k,
        :data:`NOT_RERANKED` elsewhere, so the top k always rank first.
    """
    topk = _check_topk(similarity, topk)
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    num_queries = similarity.size(0)
    top_sims, top_idx = similarity.topk(topk, dim=1)
    query_idx = torch.arange(num_queries, device=similarity.device)[:, None]
    query_idx = query_idx.expand(-1, topk).reshape(-1)
    gallery_idx = top_idx.reshape(-1)
    starts = range(0, query_idx.numel(), batch_size)
    if progress:
        starts = track_on_main_process(starts, description)
    pair_scores = torch.cat([
        score_pairs(query_idx[s:s + batch_size],
                    gallery_idx[s:s + batch_size]).reshape(-1).float()
        for s in starts
    ]).view(num_queries, topk).to(similarity.dtype)
    if add_similarity:
        pair_scores = pair_scores + top_sims
    scores = torch.full_like(similarity, NOT_RERANKED)
    return scores.scatter_(1, top_idx, pair_scores)


def rerank_topk_per_query(similarity: Tensor,
                          score_pairs: PairScorer,
                          topk: int = 256,
                          add_similarity: bool = False) -> Tensor:
    """Reference of :func:`rerank_topk`: one ``score_pairs`` call per query
    on its k candidates (the loop of the official ALBEF / BLIP code).

    Args and returns are those of :func:`rerank_topk`.
    """
    topk = _check_topk(similarity, topk)
    scores = torch.full_like(similarity, NOT_RERANKED)
    for q in range(similarity.size(0)):
        top_sims, top_idx = similarity[q].topk(topk)
        pair_scores = score_pairs(torch.full_like(top_idx, q),
                                  top_idx).reshape(-1).to(similarity.dtype)
        if add_similarity:
            pair_scores = pair_scores + top_sims
        scores[q, top_idx] = pair_scores
    return scores


def _field(sample: DataSample, key: str, owner: str):
    if key not in sample:
        raise KeyError(f'{owner}: data sample has no {key!r} field (retrieval '
                       f'evaluation needs test-mode samples: one image with '
                       f'all its texts, "gt_text_id" and "gt_image_id")')
    return sample.get(key)


def retrieval_predictions(i2t_scores: Optional[Tensor],
                          t2i_scores: Optional[Tensor],
                          data_samples: Sequence[DataSample]
                          ) -> Tuple[List[DataSample], ...]:
    """Prediction samples of both directions for the recall metric.

    Args:
        i2t_scores (Tensor, optional): Scores (num local images, num all
            texts), rows in the order of ``data_samples``.
        t2i_scores (Tensor, optional): Scores (num local texts, num all
            images), rows in the order of the samples' texts.
        data_samples (Sequence[DataSample]): Test-mode samples, one per
            image, with ``text`` (its captions), ``gt_text_id`` (their
            global text indices) and ``gt_image_id`` (the image's global
            index, once per caption).

    Returns:
        tuple[list[DataSample], ...]: The i2t predictions (one per image,
        ``gt_label`` its caption indices) if ``i2t_scores`` is given, then
        the t2i ones (one per text, ``gt_label`` its image index) if
        ``t2i_scores`` is given; each with ``pred_score`` and
        ``pred_label`` (the best index).
    """
    outputs = []
    if i2t_scores is not None:
        i2t = []
        for sample, score in zip(data_samples, i2t_scores):
            pred = DataSample().set_gt_label(
                _field(sample, 'gt_text_id', 'i2t retrieval'))
            i2t.append(pred.set_pred_score(score).set_pred_label(
                score.argmax(keepdim=True)))
        outputs.append(i2t)
    if t2i_scores is not None:
        t2i = []
        for sample in data_samples:
            texts = _field(sample, 'text', 't2i retrieval')
            texts = [texts] if isinstance(texts, str) else list(texts)
            image_ids = _field(sample, 'gt_image_id', 't2i retrieval')
            for text, image_id in zip(texts, image_ids):
                t2i.append(DataSample(text=text).set_gt_label(image_id))
        if len(t2i) != t2i_scores.size(0):
            raise ValueError(f't2i retrieval: {t2i_scores.size(0)} score rows '
                             f'but the samples hold {len(t2i)} texts')
        for pred, score in zip(t2i, t2i_scores):
            pred.set_pred_score(score).set_pred_label(
                score.argmax(keepdim=True))
        outputs.append(t2i)
    return tuple(outputs)
