"""Row-wise cross-entropy of a softmax against soft targets.

One function for every loss that scores a softmax over candidates against a
target distribution: the image-text contrastive loss (targets: normalised
match rows, momentum-distilled similarities) and the DINO / iBOT
self-distillation losses (targets: teacher assignments, logits divided by
the student temperature in float32). Callers prepare the logits and targets
(temperature, normalisation, dtype); this function only checks the shapes
and takes the cross-entropy.
"""
import torch.nn.functional as F
from torch import Tensor


def soft_cross_entropy_rows(logits: Tensor, targets: Tensor) -> Tensor:
    """Cross-entropy of each row's softmax against its target row.

    Args:
        logits (Tensor): Scores, shape (R, K).
        targets (Tensor): Target weights, shape (R, K), used as given (a
            distribution when each row sums to 1).

    Returns:
        Tensor: ``-sum_k targets_rk * log_softmax(logits_r)_k``, shape (R,).

    Raises:
        ValueError: If the shapes differ.
    """
    if logits.shape != targets.shape:
        raise ValueError(f'logits {tuple(logits.shape)} and targets '
                         f'{tuple(targets.shape)} must have the same shape')
    return -(targets * F.log_softmax(logits, dim=-1)).sum(dim=-1)
