from .focal_loss import FocalLoss, sigmoid_focal_loss, softmax_focal_loss
from .siou_loss import SIoULoss, siou_cost_terms, siou_loss
from .cmpm_loss import CMPMLoss, cmpm_loss, identity_match_matrix, matching_kl
from .identity_loss import IdentityLoss, identity_loss
from .sdm_loss import SDMLoss, sdm_loss
from .silog_loss import SiLogLoss
__all__: list = []
__all__ += ['FocalLoss', 'sigmoid_focal_loss', 'softmax_focal_loss',
            'SIoULoss', 'siou_cost_terms', 'siou_loss']
__all__ += ['SiLogLoss']
__all__ += ['CMPMLoss', 'cmpm_loss', 'identity_match_matrix', 'matching_kl',
            'IdentityLoss', 'identity_loss', 'SDMLoss', 'sdm_loss']
from .dino_losses import (centered_softmax, dino_cross_entropy,
                          ema_center_update, ibot_masked_cross_entropy,
                          sinkhorn_knopp)
from .koleo_loss import koleo_loss
__all__ += ['centered_softmax', 'dino_cross_entropy', 'ema_center_update',
            'ibot_masked_cross_entropy', 'sinkhorn_knopp', 'koleo_loss']
