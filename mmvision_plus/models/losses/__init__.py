from .base_loss import BaseLoss, check_logits_and_labels, check_reduction
from .pairwise_matching_loss import (PairwiseMatchingLoss,
                                     cosine_similarity_matrix,
                                     identity_match_matrix, matching_kl,
                                     matching_kl_rows, summed_matching_loss)
from .focal_loss import (ExtendedFocalLoss, sigmoid_focal_loss,
                         softmax_focal_loss)
from .siou_loss import PaperSIoULoss, siou_cost_terms, siou_loss
from .cmpm_loss import CMPMLoss, cmpm_loss
from .identity_loss import IdentityLoss, identity_loss
from .sdm_loss import SDMLoss, sdm_loss
from .silog_loss import SiLogLoss
from .soft_cross_entropy import soft_cross_entropy_rows
from .itc_loss import (ITCLoss, itc_directional_losses, itc_loss,
                       normalized_cross_entropy_rows, same_image_targets)
from .itm_loss import (ITMLoss, hard_negative_weights, itm_loss,
                       sample_hard_negatives, sample_itm_negatives)
from .token_losses import (IGNORE_INDEX, LMLoss, MLMLoss, lm_loss,
                           lm_token_losses, mlm_loss, mlm_token_losses)
__all__: list = []
__all__ += ['BaseLoss', 'check_logits_and_labels', 'check_reduction',
            'PairwiseMatchingLoss', 'cosine_similarity_matrix']
__all__ += ['ExtendedFocalLoss', 'sigmoid_focal_loss', 'softmax_focal_loss',
            'PaperSIoULoss', 'siou_cost_terms', 'siou_loss']
__all__ += ['SiLogLoss']
__all__ += ['CMPMLoss', 'cmpm_loss', 'identity_match_matrix', 'matching_kl',
            'matching_kl_rows', 'IdentityLoss', 'identity_loss', 'SDMLoss',
            'sdm_loss', 'summed_matching_loss']
__all__ += ['ITCLoss', 'itc_directional_losses', 'itc_loss',
            'normalized_cross_entropy_rows', 'same_image_targets',
            'soft_cross_entropy_rows', 'ITMLoss',
            'hard_negative_weights', 'itm_loss', 'sample_hard_negatives',
            'sample_itm_negatives', 'IGNORE_INDEX', 'LMLoss', 'MLMLoss',
            'lm_loss', 'lm_token_losses', 'mlm_loss', 'mlm_token_losses']
from .dino_losses import (DINOLoss, IBOTPatchLoss, SelfDistillationLoss,
                          centered_softmax, dino_cross_entropy,
                          ema_center_update, ibot_masked_cross_entropy,
                          masked_patch_weights, sinkhorn_knopp,
                          student_cross_entropy_rows)
from .koleo_loss import KoLeoLoss, koleo_loss, koleo_terms
__all__ += ['DINOLoss', 'IBOTPatchLoss', 'SelfDistillationLoss',
            'centered_softmax', 'dino_cross_entropy', 'ema_center_update',
            'ibot_masked_cross_entropy', 'masked_patch_weights',
            'sinkhorn_knopp', 'student_cross_entropy_rows', 'KoLeoLoss',
            'koleo_loss', 'koleo_terms']
