from .cross_modal_interaction import CrossModalInteraction
from .disordered_local_learning import (DisorderedLocalLearning,
                                        balanced_split_groups)
from .mdrl import MDRL
__all__: list = []
__all__ += ['CrossModalInteraction', 'DisorderedLocalLearning',
            'balanced_split_groups', 'MDRL']
