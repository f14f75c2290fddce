from .image_text_inferencer import (ImageTextInferencer, dump_json,
                                    list_images)

__all__: list = ['ImageTextInferencer', 'dump_json', 'list_images']
