from .knn import knn_accuracy, knn_classify
from .text_image_rank import text_image_rank, text_image_rank_loop

__all__: list = ['knn_accuracy', 'knn_classify', 'text_image_rank',
                 'text_image_rank_loop']
