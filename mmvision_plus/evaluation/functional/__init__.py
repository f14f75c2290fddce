from .caption_scores import caption_scores, ptb_tokenize, tokenize_captions
from .image_text_recall import image_text_recall, image_text_recall_loop
from .knn import knn_accuracy, knn_classify
from .text_image_rank import text_image_rank, text_image_rank_loop

__all__: list = ['knn_accuracy', 'knn_classify', 'text_image_rank',
                 'text_image_rank_loop']
__all__ += ['caption_scores', 'ptb_tokenize', 'tokenize_captions']
__all__ += ['image_text_recall', 'image_text_recall_loop']
from .click_simulation import mask_iou, next_click, number_of_clicks
from .davis_jf import boundary_f, region_similarity, seg2bmap
__all__ += ['mask_iou', 'next_click', 'number_of_clicks']
__all__ += ['boundary_f', 'region_similarity', 'seg2bmap']
from .rle import segmentation_to_mask, segmentation_to_rle
__all__ += ['segmentation_to_mask', 'segmentation_to_rle']
