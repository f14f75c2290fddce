from .dinov2_linear_dense_heads import (DINOv2LinearDenseHead,
                                        DINOv2LinearDepthHead,
                                        DINOv2LinearSegHead)
from .image_text_matching_head import ImageTextMatchingHead
__all__: list = []
__all__ += ['DINOv2LinearDenseHead', 'DINOv2LinearDepthHead',
            'DINOv2LinearSegHead']
from .dinov2_projection_head import DINOv2ProjectionHead
__all__ += ['DINOv2ProjectionHead']
__all__ += ['ImageTextMatchingHead']
from .cls_pooler import ClsPooler
from .token_prediction_head import TokenPredictionHead
__all__ += ['ClsPooler', 'TokenPredictionHead']
