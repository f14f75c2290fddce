from .multiway_transformer import VLMoTransformer
from .vlmo import VLMo

__all__ = ['VLMo', 'VLMoTransformer']
