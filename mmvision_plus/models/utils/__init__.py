from .image_features import IMAGE_FEATURES, image_features

__all__ = ['IMAGE_FEATURES', 'image_features']
