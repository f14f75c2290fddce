"""The CLIP / ALBEF / BLIP configs: official hyper-parameters of the
fine-tuning configs, and (slow) the full-size models build."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmvision_plus
from mmvision_plus.registry import MODELS

mmvision_plus.register_all_modules(init_default_scope=False)
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load(name: str) -> Config:
    return Config.fromfile(osp.join(ROOT, 'configs', name))


@pytest.mark.parametrize('name,lr,epochs,topk,queue,length', [
    ('albef/albef_vit-b16-bert-base_8xb32-5e_coco-retrieval.py', 1e-5, 5,
     256, 65536, 30),
    ('albef/albef_vit-b16-bert-base_8xb32-10e_flickr30k-retrieval.py', 1e-5,
     10, 128, 65536, 30),
    ('blip/blip_vit-b16-med-base_8xb32-6e_coco-retrieval.py', 1e-5, 6, 256,
     57600, 35),
    ('blip/blip_vit-b16-med-base_8xb32-6e_flickr30k-retrieval.py', 1e-5, 6,
     128, 57600, 35),
])
def test_retrieval_finetuning_hyper_parameters(name, lr, epochs, topk, queue,
                                               length):
    cfg = load(name)
    assert cfg.optim_wrapper.optimizer.lr == lr
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.param_scheduler[0].T_max == epochs
    assert cfg.model.rerank_topk == topk
    assert cfg.model.queue_size == queue and cfg.model.momentum == 0.995
    assert cfg.model.alpha == 0.4 and cfg.model.temperature == 0.07
    assert cfg.model.max_text_length == length
    assert cfg.model.visual_encoder.img_size == 384
    assert cfg.train_dataloader.batch_size == 32
    hooks = {h['type']: h for h in cfg.custom_hooks}
    assert hooks['mmpretrain.WarmupParamHook']['warmup_epochs'] == 1
    assert 'RetrievalMeanHook' in hooks
    assert cfg.test_evaluator.type == 'ImageTextRecall'
    if 'flickr' in name:
        assert cfg.test_dataloader.dataset.ann_file.endswith(
            'flickr30k_test.json')


def test_caption_config():
    cfg = load('blip/blip_vit-b16-med-base_8xb32-5e_coco-caption.py')
    assert cfg.model.tasks == ('lm', ) and cfg.model.prompt == 'a picture of '
    assert cfg.model.generation == dict(strategy='beam', num_beams=3,
                                        max_length=20, min_length=5)
    assert cfg.test_evaluator.type == 'CaptionBleuCider'
    assert cfg.test_cfg.type == 'TestLoop'
    assert cfg.optim_wrapper.optimizer.weight_decay == 0.05


def test_every_vl_config_loads():
    names = [osp.relpath(p, osp.join(ROOT, 'configs')) for algo in
             ('clip', 'albef', 'blip') for p in sorted(glob.glob(
                 osp.join(ROOT, 'configs', algo, '*.py')))]
    assert len(names) >= 12
    for name in names:
        assert load(name).model.type in ('ClipDualEncoder', 'ALBEF',
                                         'BLIPMED'), name


@pytest.mark.slow
@pytest.mark.parametrize('name', [
    'albef/albef_vit-b16-bert-base_8xb32-5e_coco-retrieval.py',
    'blip/blip_vit-b16-med-base_8xb32-5e_coco-caption.py',
    'clip/clip_vit-b16_zeroshot_coco-retrieval.py',
])
def test_full_size_models_build(name):
    cfg = load(name)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = MODELS.build(cfg.model)
    params = sum(p.numel() for p in model.parameters())
    if name.startswith('blip'):
        words = model.text_decoder.bert.embeddings.word_embeddings
        assert words.weight.shape == (30524, 768)
        assert model.text_decoder.bert.encoder.layer[11].output is \
            model.text_encoder.bert.encoder.layer[11].output
    if name.startswith('albef'):
        assert model.text_encoder.cls is None and not model.with_mlm
        assert model.visual_encoder.pos_embed.shape == (1, 577, 768)
    if name.startswith('clip'):
        assert model.clip.visual.conv1.weight.shape == (768, 3, 16, 16)
    assert params > 1e8
    del model
    torch.cuda.empty_cache() if torch.cuda.is_available() else None
