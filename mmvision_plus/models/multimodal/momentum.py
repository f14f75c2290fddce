"""Momentum encoders, the image-text feature queue and momentum
distillation targets (MoCo-style pieces of ALBEF and BLIP).

* :func:`momentum_copy` makes the momentum (EMA) copy of a module with
  mmengine's :class:`~mmengine.model.ExponentialMovingAverage`, which
  already does what ALBEF's ``copy_params`` / ``_momentum_update`` do:
  ``p_m <- m * p_m + (1 - m) * p`` with ALBEF's momentum ``m`` (0.995)
  being ``1 - momentum`` in mmengine's convention, and an exact copy on
  the first update.
* :class:`ImageTextFeatureQueue` keeps the momentum features of the last K
  pairs (ALBEF 65,536, BLIP 57,600) with their image ids, so that ITC sees
  K extra negatives and same-image captions in the queue count as
  positives. mmpretrain's ``ITCHead`` holds such a queue inside a head
  that also fixes the loss and the distillation weight, and it requires K
  to be a multiple of the (global) batch size; this queue wraps around.
* :func:`distillation_targets` mixes the momentum model's similarity
  distribution into the hard targets (momentum distillation, weight
  ``alpha``); :class:`MomentumDistillation` holds the queue and ``alpha``
  and builds the ITC keys and targets of a batch. ALBEF ramps ``alpha``
  from 0 to 0.4 over the first epoch: the configs do it with mmpretrain's
  ``WarmupParamHook`` on ``distill.alpha``.
"""
from typing import Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.dist import all_gather, get_world_size
from mmengine.model import BaseModule, ExponentialMovingAverage
from torch import Tensor, nn


def momentum_copy(module: nn.Module,
                  momentum: float = 0.995) -> ExponentialMovingAverage:
    """A frozen EMA copy of ``module`` (``update_parameters(module)`` after
    each step).

    Args:
        module (nn.Module): The online module.
        momentum (float): ALBEF/BLIP momentum ``m`` in
            ``p_m <- m * p_m + (1 - m) * p``. Defaults to 0.995.

    Returns:
        ExponentialMovingAverage: Its ``module`` is the momentum copy.
    """
    if not 0.0 < momentum < 1.0:
        raise ValueError(f'momentum must be in (0, 1), got {momentum}')
    return ExponentialMovingAverage(module, momentum=1.0 - momentum)


def gather_rows(tensor: Tensor) -> Tensor:
    """Concatenate a tensor's rows from every rank (no gradient)."""
    if get_world_size() == 1:
        return tensor
    return torch.cat(all_gather(tensor.contiguous()))


class ImageTextFeatureQueue(BaseModule):
    """A ring buffer of momentum image / text features and image ids.

    Buffers (saved in checkpoints): ``image_feats`` and ``text_feats`` (K,
    D), initialised with random unit vectors as in ALBEF and BLIP;
    ``image_ids`` (K,), -1 for slots never filled (matching no image);
    ``ptr``, the next slot to write.

    Args:
        queue_size (int): K.
        embed_dims (int): D.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self, queue_size: int, embed_dims: int,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if queue_size < 1:
            raise ValueError(f'queue_size must be >= 1, got {queue_size}')
        self.queue_size = queue_size
        self.register_buffer(
            'image_feats', F.normalize(torch.randn(queue_size, embed_dims),
                                       dim=1))
        self.register_buffer(
            'text_feats', F.normalize(torch.randn(queue_size, embed_dims),
                                      dim=1))
        self.register_buffer('image_ids',
                             torch.full((queue_size, ), -1, dtype=torch.long))
        self.register_buffer('ptr', torch.zeros((), dtype=torch.long))

    def keys(self, image_feats_m: Tensor, text_feats_m: Tensor,
             image_ids: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """The batch's momentum features followed by the queue.

        Args:
            image_feats_m (Tensor): Momentum image features (B, D).
            text_feats_m (Tensor): Momentum text features (B, D).
            image_ids (Tensor): Image ids of the batch (B,).

        Returns:
            tuple[Tensor, Tensor, Tensor]: Image keys (B + K, D), text keys
            (B + K, D) and their image ids (B + K,).
        """
        return (torch.cat([image_feats_m, self.image_feats.clone()]),
                torch.cat([text_feats_m, self.text_feats.clone()]),
                torch.cat([image_ids.reshape(-1).to(self.image_ids),
                           self.image_ids.clone()]))

    @torch.no_grad()
    def enqueue(self, image_feats_m: Tensor, text_feats_m: Tensor,
                image_ids: Tensor) -> None:
        """Write a batch (gathered from every rank) at ``ptr``, wrapping
        around; a batch larger than K keeps its last K rows."""
        image_feats = gather_rows(image_feats_m.detach())
        text_feats = gather_rows(text_feats_m.detach())
        ids = gather_rows(image_ids.reshape(-1).to(self.image_ids))
        n = image_feats.size(0)
        if n > self.queue_size:
            image_feats, text_feats, ids = (image_feats[-self.queue_size:],
                                            text_feats[-self.queue_size:],
                                            ids[-self.queue_size:])
            n = self.queue_size
        slots = (int(self.ptr) + torch.arange(n, device=ids.device)) % \
            self.queue_size
        self.image_feats[slots] = image_feats.to(self.image_feats)
        self.text_feats[slots] = text_feats.to(self.text_feats)
        self.image_ids[slots] = ids
        self.ptr.fill_((int(self.ptr) + n) % self.queue_size)


def distillation_targets(momentum_logits: Tensor, hard_targets: Tensor,
                         alpha: float) -> Tensor:
    """``alpha * softmax(momentum_logits) + (1 - alpha) * hard``.

    Args:
        momentum_logits (Tensor): Momentum model's similarity / T (B, N).
        hard_targets (Tensor): Non-negative targets (B, N), each row
            normalised to sum 1 here.
        alpha (float): Distillation weight in [0, 1].

    Returns:
        Tensor: Target distributions (B, N), rows summing to 1.
    """
    hard = hard_targets / hard_targets.sum(dim=1, keepdim=True).clamp(
        min=torch.finfo(hard_targets.dtype).tiny)
    if alpha == 0:
        return hard
    return alpha * F.softmax(momentum_logits, dim=1) + (1 - alpha) * hard


class MomentumDistillation(BaseModule):
    """ITC keys and soft targets from momentum features and a queue.

    Args:
        queue_size (int): Queue length K.
        embed_dims (int): Feature dimension D.
        alpha (float): Distillation weight; a ``WarmupParamHook`` with
            ``module_name='distill', param_name='alpha'`` ramps it.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self, queue_size: int, embed_dims: int, alpha: float = 0.4,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f'alpha must be in [0, 1], got {alpha}')
        self.queue = ImageTextFeatureQueue(queue_size, embed_dims)
        self.alpha = alpha

    @torch.no_grad()
    def targets(self, image_feats_m: Tensor, text_feats_m: Tensor,
                image_ids: Tensor, temperature: Union[float, Tensor]
                ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """Keys and targets of ITC with momentum distillation.

        Args:
            image_feats_m (Tensor): Momentum image features (B, D).
            text_feats_m (Tensor): Momentum text features (B, D).
            image_ids (Tensor): Image ids of the batch (B,).
            temperature (float | Tensor): ITC temperature.

        Returns:
            tuple[Tensor, Tensor, Tensor, Tensor]: Image keys (B + K, D),
            text keys (B + K, D), image-to-text targets (B, B + K) and
            text-to-image targets (B, B + K): same-image keys are the
            positives, mixed with the momentum similarity's softmax.
        """
        image_keys, text_keys, key_ids = self.queue.keys(
            image_feats_m, text_feats_m, image_ids)
        hard = (image_ids.reshape(-1, 1) == key_ids.reshape(1, -1)).float()
        i2t = distillation_targets(image_feats_m @ text_keys.t() / temperature,
                                   hard, self.alpha)
        t2i = distillation_targets(text_feats_m @ image_keys.t() / temperature,
                                   hard, self.alpha)
        return image_keys, text_keys, i2t, t2i
