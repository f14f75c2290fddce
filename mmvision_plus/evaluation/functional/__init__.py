from .text_image_rank import text_image_rank, text_image_rank_loop

__all__: list = ['text_image_rank', 'text_image_rank_loop']
