"""Weighted k-nearest-neighbour classification on frozen features.

This is the evaluation protocol of DINO (Caron et al. 2021), reused by
DINOv2: features are L2-normalised, each test sample retrieves its ``k``
most cosine-similar training samples, and every neighbour votes for its
label with weight ``exp(similarity / T)``. The class with the largest summed
weight wins.
"""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def knn_classify(train_feats: Tensor,
                 train_labels: Tensor,
                 test_feats: Tensor,
                 num_classes: int,
                 k: int = 20,
                 temperature: float = 0.07,
                 normalize: bool = True,
                 chunk_size: int = 1024) -> Tensor:
    """Class scores of test samples by similarity-weighted k-NN voting.

    Args:
        train_feats (Tensor): Training features, shape (N, C).
        train_labels (Tensor): Integer training labels in
            ``[0, num_classes)``, shape (N,).
        test_feats (Tensor): Test features, shape (M, C).
        num_classes (int): Number of classes.
        k (int): Number of neighbours; clipped to N. Defaults to 20.
        temperature (float): Voting temperature T; a neighbour with cosine
            similarity s votes with weight ``exp(s / T)``. Defaults to 0.07.
        normalize (bool): L2-normalise both feature sets first, making the
            dot product a cosine similarity. Defaults to True.
        chunk_size (int): Test samples processed per matrix product, to
            bound memory at ``chunk_size * N`` similarities.

    Returns:
        Tensor: Summed vote weights per class, shape (M, num_classes).
    """
    if train_feats.dim() != 2 or test_feats.dim() != 2:
        raise ValueError('knn_classify: features must be 2-D (N, C), got '
                         f'train {tuple(train_feats.shape)} and test '
                         f'{tuple(test_feats.shape)}')
    if train_feats.shape[1] != test_feats.shape[1]:
        raise ValueError('knn_classify: train and test feature dims differ: '
                         f'{train_feats.shape[1]} vs {test_feats.shape[1]}')
    if train_labels.shape != (train_feats.shape[0], ):
        raise ValueError('knn_classify: train_labels must have shape '
                         f'({train_feats.shape[0]},), got '
                         f'{tuple(train_labels.shape)}')
    if train_feats.shape[0] == 0:
        raise ValueError('knn_classify: empty training set')
    if train_labels.min() < 0 or train_labels.max() >= num_classes:
        raise ValueError('knn_classify: train_labels outside '
                         f'[0, {num_classes})')
    if temperature <= 0:
        raise ValueError(f'knn_classify: temperature must be > 0, '
                         f'got {temperature}')
    train_feats = train_feats.float()
    test_feats = test_feats.float()
    if normalize:
        train_feats = F.normalize(train_feats, dim=1)
        test_feats = F.normalize(test_feats, dim=1)
    k = min(k, train_feats.shape[0])
    train_labels = train_labels.long()
    scores = []
    for start in range(0, test_feats.shape[0], chunk_size):
        sim = test_feats[start:start + chunk_size] @ train_feats.t()
        top_sim, top_idx = sim.topk(k, dim=1)  # (m, k)
        weights = (top_sim / temperature).exp()
        votes = torch.zeros(sim.shape[0], num_classes, dtype=weights.dtype)
        votes.scatter_add_(1, train_labels[top_idx], weights)
        scores.append(votes)
    if not scores:
        return torch.zeros(0, num_classes)
    return torch.cat(scores)


def knn_accuracy(train_feats: Tensor,
                 train_labels: Tensor,
                 test_feats: Tensor,
                 test_labels: Tensor,
                 num_classes: int,
                 ks: Sequence[int] = (20, ),
                 temperature: float = 0.07,
                 topk: Tuple[int, ...] = (1, 5)) -> Dict[str, float]:
    """Top-k accuracy (percent) of weighted k-NN for several ``k``.

    Args:
        train_feats (Tensor): Training features, shape (N, C).
        train_labels (Tensor): Training labels, shape (N,).
        test_feats (Tensor): Test features, shape (M, C).
        test_labels (Tensor): Test labels, shape (M,).
        num_classes (int): Number of classes.
        ks (Sequence[int]): Neighbour counts to evaluate. Defaults to (20,).
        temperature (float): Voting temperature. Defaults to 0.07.
        topk (tuple[int]): Accuracies to report; entries larger than
            ``num_classes`` are skipped. Defaults to (1, 5).

    Returns:
        dict[str, float]: ``{'{k}-NN top-{t}': accuracy}``.
    """
    if test_labels.shape != (test_feats.shape[0], ):
        raise ValueError('knn_accuracy: test_labels must have shape '
                         f'({test_feats.shape[0]},), got '
                         f'{tuple(test_labels.shape)}')
    results = {}
    for k in ks:
        scores = knn_classify(train_feats, train_labels, test_feats,
                              num_classes, k=k, temperature=temperature)
        for t in topk:
            if t > num_classes:
                continue
            pred = scores.topk(t, dim=1).indices
            hit = (pred == test_labels.long()[:, None]).any(dim=1)
            results[f'{k}-NN top-{t}'] = hit.float().mean().item() * 100
    return results
