"""KoLeo regulariser (Sablayrolles et al., "Spreading vectors for similarity
search", ICLR 2019), as used by DINOv2 on the student's cls features."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from mmvision_plus.registry import MODELS
from .base_loss import BaseLoss


def koleo_terms(features: Tensor, eps: float = 1e-8) -> Tensor:
    """Per-sample KoLeo terms ``-log(d_i + eps)``, shape (B,); see
    :func:`koleo_loss`."""
    if features.dim() != 2 or features.shape[0] < 2:
        raise ValueError('koleo_loss expects features of shape (B, D) with '
                         f'B >= 2, got {tuple(features.shape)}')
    with torch.autocast(device_type=features.device.type, enabled=False):
        x = F.normalize(features.float(), p=2, dim=-1, eps=eps)
        with torch.no_grad():
            dots = x @ x.t()
            dots.fill_diagonal_(-1)
            neighbour = dots.argmax(dim=1)
        distances = F.pairwise_distance(x, x[neighbour], p=2, eps=1e-8)
        return -torch.log(distances + eps)


def koleo_loss(features: Tensor, eps: float = 1e-8) -> Tensor:
    """Kozachenko-Leonenko entropy estimate, official DINOv2 form.

    Features are L2-normalised; every sample's nearest neighbour is the
    argmax of its inner products with the others (the diagonal is set to
    -1); its distance is ``torch.nn.PairwiseDistance(2, eps=1e-8)`` (which
    adds ``eps`` to the difference before the norm) and the loss is
    ``-mean(log(d + eps))``. Computed in float32 with autocast disabled, as
    the official code.

    Args:
        features: (B, D) features, B >= 2.
        eps: Normalisation and log epsilon. Defaults to 1e-8.

    Returns:
        Tensor: Scalar loss (float32).
    """
    return koleo_terms(features, eps).mean()


@MODELS.register_module()
class KoLeoLoss(BaseLoss):
    """KoLeo regulariser module, see :func:`koleo_loss` (DINOv2 weight 0.1).

    Args:
        eps: Normalisation and log epsilon. Defaults to 1e-8.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
        init_cfg: Initialisation config.
    """

    def __init__(self,
                 eps: float = 1e-8,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(reduction='mean', loss_weight=loss_weight,
                         init_cfg=init_cfg)
        self.eps = eps

    def forward(self, features: Tensor) -> Tensor:
        """Args: features (B, D). Returns: the scalar loss."""
        return self.loss_weight * self.reduce_loss(
            koleo_terms(features, self.eps))
