from .forward_modes import FORWARD_MODES, forward_by_mode
from .image_features import IMAGE_FEATURES, image_features

__all__ = [
    'FORWARD_MODES', 'IMAGE_FEATURES', 'forward_by_mode', 'image_features'
]
