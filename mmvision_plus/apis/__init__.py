from .image_text_inferencer import ImageTextInferencer, list_images

__all__: list = ['ImageTextInferencer', 'list_images']
