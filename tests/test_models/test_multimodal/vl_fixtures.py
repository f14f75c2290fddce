"""Tiny ALBEF / BLIP / CLIP configs and a batch of demo-world captions."""
import pytest
import torch
from mmpretrain.structures import DataSample

from mmvision_plus.registry import MODELS
from mmvision_plus.utils import register_all_modules

register_all_modules()

TINY_BERT = dict(hidden_size=32, num_hidden_layers=4, num_attention_heads=2,
                 intermediate_size=64, max_position_embeddings=64,
                 type_vocab_size=1)
TINY_VIT = dict(type='ViTImageEncoder', img_size=32, patch_size=16,
                embed_dims=24, num_layers=2, num_heads=2)
CAPTIONS = ['a red circle at the top', 'a blue square on the left',
            'two shapes on a dark striped background: a red circle and a '
            'blue square', 'a small green star in the center',
            'a large white cross behind a black diamond']


def albef_cfg(**kwargs) -> dict:
    cfg = dict(type='ALBEF', visual_encoder=TINY_VIT,
               text_encoder=dict(type='CrossAttentionBert', arch=TINY_BERT,
                                 cross_attention_from=2, encoder_width=24,
                                 with_token_head=True),
               tokenizer=dict(type='DemoWorldTokenizer'), embed_dim=16,
               queue_size=8, rerank_topk=3, max_text_length=40)
    cfg.update(kwargs)
    return cfg


def blip_cfg(**kwargs) -> dict:
    bert = dict(type='CrossAttentionBert', arch=TINY_BERT, encoder_width=24)
    cfg = dict(type='BLIPMED', visual_encoder=TINY_VIT, text_encoder=bert,
               text_decoder=dict(bert, with_token_head=True),
               tokenizer=dict(type='DemoWorldTokenizer', bos_token='[DEC]',
                              extra_tokens=['[ENC]']),
               embed_dim=16, queue_size=8, rerank_topk=3,
               max_text_length=40,
               generation=dict(max_length=12, min_length=2))
    cfg.update(kwargs)
    return cfg


@pytest.fixture
def train_batch():
    """4 images, 4 captions, images 0 and 1 the same scene."""
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(4, 3, 32, 32, generator=gen)
    images[1] = images[0]
    samples = [DataSample(text=c, image_id=i)
               for i, c in zip([0, 0, 1, 2], CAPTIONS)]
    return images, samples


@pytest.fixture
def test_batch():
    """2 images with 2 and 3 captions (test-mode samples)."""
    images = torch.rand(2, 3, 32, 32,
                        generator=torch.Generator().manual_seed(1))
    samples = [
        DataSample(text=CAPTIONS[:2], image_id=0, gt_text_id=[0, 1],
                   gt_image_id=[0, 0], gt_caption=CAPTIONS[:2]),
        DataSample(text=CAPTIONS[2:], image_id=1, gt_text_id=[2, 3, 4],
                   gt_image_id=[1, 1, 1], gt_caption=CAPTIONS[2:]),
    ]
    return images, samples


def build(cfg: dict, seed: int = 0):
    torch.manual_seed(seed)
    model = MODELS.build(cfg)
    model.init_weights()
    return model
