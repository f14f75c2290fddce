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
from .interactive_seg_metric import InteractiveSegMetric
from .mot_metric import TrackEvalMOTMetric
from .vos_metric import VideoObjectSegMetric
from .youtube_vis_metric import NumpyCompatYouTubeVISMetric
__all__ += ['InteractiveSegMetric', 'NumpyCompatYouTubeVISMetric',
            'TrackEvalMOTMetric', 'VideoObjectSegMetric']
