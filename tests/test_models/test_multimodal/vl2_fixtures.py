"""Tiny ViLT / VLMo / BEiT-3 / CoCa configs, a pixel codebook and batches
with patch masks (32 px images: a 2 x 2 patch grid), forward hooks that
record which expert FFN of a multiway transformer saw which tokens."""
from typing import Iterable, List, Set, Tuple

import torch
from torch import nn
from mmpretrain.structures import DataSample

from mmvision_plus.models.multimodal.visual_tokenizer import save_codebook
from tests.test_models.test_multimodal.vl_fixtures import CAPTIONS

NUM_TOKENS = 8
TOKENIZER = dict(type='DemoWorldTokenizer')


def write_codebook(path: str, seed: int = 0) -> str:
    """A pixel codebook of NUM_TOKENS random 48-d centroids."""
    gen = torch.Generator().manual_seed(seed)
    save_codebook(path, torch.randn(NUM_TOKENS, 48, generator=gen), 'pixels',
                  16, pixel_grid=4)
    return path


def visual_tokenizer(codebook: str) -> dict:
    return dict(type='KMeansVisualTokenizer', codebook=codebook,
                num_tokens=NUM_TOKENS)


def tiny_model_cfg(model_type: str, overrides: dict, **fields) -> dict:
    """``dict(type=model_type, **fields)`` with the demo-world tokenizer
    and 40-token texts, then ``overrides`` (a test's changes) on top."""
    cfg = dict(type=model_type, tokenizer=TOKENIZER, max_text_length=40,
               **fields)
    cfg.update(overrides)
    return cfg


def vlmo_cfg(**kwargs) -> dict:
    return tiny_model_cfg(
        'VLMo', kwargs,
        transformer=dict(img_size=32, patch_size=16, embed_dims=24,
                         num_layers=3, num_heads=2, vl_ffn_start=2))


def beit3_cfg(**kwargs) -> dict:
    return tiny_model_cfg(
        'BEiT3', kwargs,
        arch=dict(img_size=32, patch_size=16, encoder_embed_dim=24,
                  encoder_attention_heads=2, encoder_ffn_embed_dim=48,
                  encoder_layers=2))


def vilt_cfg(**kwargs) -> dict:
    return tiny_model_cfg(
        'ViLT', kwargs,
        transformer=dict(img_size=32, patch_size=16, embed_dims=24,
                         num_layers=2, num_heads=2),
        rerank_batch_size=5)


def coca_open_clip_cfg(attentional_pool='parallel') -> dict:
    return dict(
        embed_dim=24, pad_id=0,
        vision_cfg=dict(image_size=32, layers=1, width=24, head_width=12,
                        patch_size=16, attentional_pool=attentional_pool,
                        attn_pooler_queries=8, attn_pooler_heads=2,
                        output_tokens=True),
        text_cfg=dict(context_length=40, vocab_size=63, width=24, heads=2,
                      layers=1, embed_cls=True, output_tokens=True,
                      pad_id=0),
        multimodal_cfg=dict(context_length=40, vocab_size=63, width=24,
                            heads=2, layers=1, attn_pooler_heads=2))


def coca_cfg(**kwargs) -> dict:
    return tiny_model_cfg(
        'CoCa', kwargs, clip=coca_open_clip_cfg(),
        generation=dict(max_length=10, min_length=2, num_beams=2))


def masked_batch():
    """4 images (0 and 1 the same scene), captions, 2 x 2 patch masks."""
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(4, 3, 32, 32, generator=gen)
    images[1] = images[0]
    masks = [torch.tensor([[1, 0], [0, 1]]), torch.tensor([[0, 1], [0, 0]]),
             torch.tensor([[1, 1], [0, 0]]), torch.tensor([[0, 0], [1, 0]])]
    samples = [DataSample(text=c, image_id=i, mask=m)
               for i, c, m in zip([0, 0, 1, 2], CAPTIONS, masks)]
    return images, samples


def record_calls(modules: Iterable[Tuple[int, str, nn.Module]]) -> list:
    """Forward hooks on ``(layer, expert name, module)`` triples; returns
    the list they fill with ``(layer, expert name, tokens seen)`` per call
    (the module's input is (B, tokens, C))."""
    calls = []
    for i, name, module in modules:
        module.register_forward_hook(
            lambda m, args, out, i=i, name=name: calls.append(
                (i, name, args[0].shape[1])))
    return calls


def unimodal_experts(model: nn.Module, calls: List[tuple],
                     images: torch.Tensor, ids: torch.Tensor,
                     mask: torch.Tensor) -> Tuple[Set[str], Set[str]]:
    """The expert names recorded in ``calls`` (of :func:`record_calls`)
    by ``model.encode_images(images)`` and by
    ``model.encode_texts(ids, mask)``; ``calls`` is emptied after each."""
    experts = []
    for encode, inputs in ((model.encode_images, (images, )),
                           (model.encode_texts, (ids, mask))):
        encode(*inputs)
        experts.append({name for _, name, _ in calls})
        calls.clear()
    return experts[0], experts[1]
