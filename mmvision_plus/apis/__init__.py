from .glee_inferencer import GLEEInferencer
from .image_text_inferencer import (ImageTextInferencer, dump_json,
                                    list_images)

__all__: list = ['GLEEInferencer', 'ImageTextInferencer', 'dump_json',
                 'list_images']
