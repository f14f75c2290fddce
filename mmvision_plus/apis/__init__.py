from .glee_inferencer import GLEEInferencer
from .glee_video_inferencer import (GLEEVideoInferencer, VideoReadError,
                                    read_video)
from .image_text_inferencer import (ImageTextInferencer, dump_json,
                                    list_images)

__all__: list = ['GLEEInferencer', 'GLEEVideoInferencer', 'VideoReadError',
                 'read_video', 'ImageTextInferencer', 'dump_json',
                 'list_images']
