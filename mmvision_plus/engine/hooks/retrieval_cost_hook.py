"""Inference cost of text-to-image retrieval, measured after testing."""
import time
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import Tensor

from mmvision_plus.registry import HOOKS
from mmvision_plus.utils.arg_checks import check_range


@HOOKS.register_module()
class RetrievalCostHook(Hook):
    """Add the cost of answering text queries over the test gallery to the
    test metrics (so ``tools/test.py --record`` keeps it with the recalls).

    After ``runner.test()`` it reads the test images and captions again
    (their loading and preprocessing are not timed), then times, with the
    process's threads and in eval mode:

    * ``cost/gallery_ms_per_image``: encoding the gallery once
      (``encode_images``: features of a dual encoder, embedded patches of
      ViLT, ...), per image;
    * ``cost/t2i_ms_per_query``: the first ``num_queries`` captions as
      queries against the whole gallery, tokenising, encoding and the
      model's own ranking (:meth:`retrieval_scores`: dot product,
      ITM re-ranking of the top k, or ViLT's ITM over every pair), per
      query, queries processed together;

    and counts ``cost/params_M``: the trainable parameters in millions
    (momentum copies and frozen parts not counted).

    It runs first (priority ``HIGHEST``), so the logger and the record
    hook see the costs.

    Args:
        num_queries (int): Captions used as queries. Defaults to 100.
    """

    priority = 'HIGHEST'

    def __init__(self, num_queries: int = 100) -> None:
        self.num_queries = check_range(num_queries, 'RetrievalCostHook',
                                       'num_queries', 1)

    @staticmethod
    def gallery(runner, model) -> Tuple[List[Tensor], List[str]]:
        """Preprocessed test images (in batches) and all their captions."""
        images, texts = [], []
        for batch in runner.test_dataloader:
            data = model.data_preprocessor(batch, False)
            images.append(data['inputs'])
            texts += model.texts_of(data['data_samples'])
        return images, texts

    @torch.no_grad()
    def after_test_epoch(self, runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        if metrics is None:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else \
            runner.model
        model.eval()
        batches, texts = self.gallery(runner, model)
        start = time.perf_counter()
        parts = [model.encode_images(images) for images in batches]
        image_out = {k: torch.cat([p[k] for p in parts]) for k in parts[0]}
        gallery_s = time.perf_counter() - start
        queries = texts[:self.num_queries]
        start = time.perf_counter()
        ids, mask = model.tokenize(queries)
        text_out = model.encode_texts(ids, mask)
        model.retrieval_scores(
            text_out.get('text_feat'), image_out.get('image_feat'),
            image_out.get('image_embeds'), ids, mask,
            queries_are_images=False, text_embeds=text_out.get('text_embeds'))
        query_s = time.perf_counter() - start
        num_images = sum(images.size(0) for images in batches)
        metrics['cost/gallery_ms_per_image'] = 1e3 * gallery_s / num_images
        metrics['cost/t2i_ms_per_query'] = 1e3 * query_s / len(queries)
        metrics['cost/params_M'] = sum(
            p.numel() for p in model.parameters() if p.requires_grad) / 1e6
