from .caption_metric import CaptionBleuCider
from .image_text_recall import ImageTextRecall
from .depth_metric import DepthMetric, depth_errors
from .grounding_metric import ReferringExpressionMetric
from .miou_metric import MeanIoUMetric, intersect_and_union
from .text_image_retrieval import TextImageRetrievalMetric

__all__: list = ['TextImageRetrievalMetric']
__all__ += ['DepthMetric', 'depth_errors', 'MeanIoUMetric',
            'intersect_and_union']
__all__ += ['ReferringExpressionMetric']
__all__ += ['CaptionBleuCider']
__all__ += ['ImageTextRecall']
