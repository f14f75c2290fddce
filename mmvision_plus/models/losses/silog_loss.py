"""Scale-invariant logarithmic loss for monocular depth (Eigen et al. 2014)."""
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mmvision_plus.registry import MODELS


@MODELS.register_module()
class SiLogLoss(BaseModule):
    """Scale-invariant log loss, the form used by DINOv2's depth heads.

    With ``g = log(pred + eps) - log(target + eps)`` over the valid pixels,
    ``loss = sqrt(Var(g) + beta * mean(g) ** 2)`` (``Var`` unbiased, as
    ``torch.var``). ``beta = 0.15`` is the value of the depth toolbox the
    DINOv2 depth evaluation builds on.

    Unlike our other losses this is not a :class:`BaseLoss` and takes no
    ``weight``, ``avg_factor`` or ``reduction``: the loss is one statistic
    of the whole batch (the square root of a variance over every valid
    pixel), not a sum of per-element terms, so mmdet's
    ``weight_reduce_loss`` does not apply. ``valid_mask`` selects the
    pixels instead.

    Args:
        beta (float): Weight of the squared mean log error (``1 - lambda``
            in Eigen et al.'s notation). Defaults to 0.15.
        eps (float): Added inside the logs. Defaults to 1e-3.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        init_cfg (dict, optional): Initialisation config (the loss has no
            parameters). Defaults to None.
    """

    def __init__(self,
                 beta: float = 0.15,
                 eps: float = 1e-3,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.beta = beta
        self.eps = eps
        self.loss_weight = loss_weight

    def forward(self,
                pred: Tensor,
                target: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): Predicted depth, any shape, positive.
            target (Tensor): Ground-truth depth, same shape as ``pred``.
            valid_mask (Tensor, optional): Boolean mask of the pixels to use,
                same shape. Defaults to all pixels.

        Returns:
            Tensor: Scalar loss; zero (keeping the graph) when fewer than two
            pixels are valid.
        """
        if pred.shape != target.shape:
            raise ValueError(f'SiLogLoss: pred shape {tuple(pred.shape)} != '
                             f'target shape {tuple(target.shape)}')
        if valid_mask is not None:
            pred = pred[valid_mask]
            target = target[valid_mask]
        if pred.numel() < 2:
            return pred.sum() * 0.
        g = torch.log(pred + self.eps) - torch.log(target + self.eps)
        loss = torch.sqrt(torch.var(g) + self.beta * g.mean()**2)
        return self.loss_weight * loss
