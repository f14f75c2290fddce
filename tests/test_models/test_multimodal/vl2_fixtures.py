"""Tiny ViLT / VLMo / BEiT-3 / CoCa configs, a pixel codebook and batches
with patch masks (32 px images: a 2 x 2 patch grid)."""
import torch
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


def vlmo_cfg(**kwargs) -> dict:
    cfg = dict(type='VLMo',
               transformer=dict(img_size=32, patch_size=16, embed_dims=24,
                                num_layers=3, num_heads=2, vl_ffn_start=2),
               tokenizer=TOKENIZER, max_text_length=40)
    cfg.update(kwargs)
    return cfg


def beit3_cfg(**kwargs) -> dict:
    cfg = dict(type='BEiT3',
               arch=dict(img_size=32, patch_size=16, encoder_embed_dim=24,
                         encoder_attention_heads=2, encoder_ffn_embed_dim=48,
                         encoder_layers=2),
               tokenizer=TOKENIZER, max_text_length=40)
    cfg.update(kwargs)
    return cfg


def vilt_cfg(**kwargs) -> dict:
    cfg = dict(type='ViLT',
               transformer=dict(img_size=32, patch_size=16, embed_dims=24,
                                num_layers=2, num_heads=2),
               tokenizer=TOKENIZER, max_text_length=40, rerank_batch_size=5)
    cfg.update(kwargs)
    return cfg


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
    cfg = dict(type='CoCa', clip=coca_open_clip_cfg(), tokenizer=TOKENIZER,
               max_text_length=40,
               generation=dict(max_length=10, min_length=2, num_beams=2))
    cfg.update(kwargs)
    return cfg


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
