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


@pytest.mark.parametrize('schedule,epochs', [
    ('configs/_base_/schedules/image_text_demo_adamw_20e.py', 20),
    ('configs/_base_/schedules/image_text_demo_adamw_15e.py', 15),
])
def test_demo_schedule_length_follows_max_epochs(tmp_path, schedule, epochs):
    """The demo schedule's cosine entry has no ``end`` / ``T_max``: trained
    by mmengine's Runner (the toy regressor, 2 iterations an epoch), the lr
    warms up over the first epoch, then follows a cosine from lr to 1 % of
    it that ends exactly at the last iteration of ``train_cfg.max_epochs``
    (a variant sets only ``max_epochs``)."""
    import math

    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    from tests.test_utils.toy_runner import toy_config

    cfg = Config.fromfile(osp.join(ROOT, schedule))
    assert cfg.train_cfg.max_epochs == epochs
    assert 'end' not in cfg.param_scheduler[1]
    lrs = []

    class RecordLR(Hook):

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            lrs.append(runner.optim_wrapper.get_lr()['lr'][0])

    toy = Config(toy_config(str(tmp_path), max_epochs=epochs))
    toy.optim_wrapper = dict(optimizer=dict(type='SGD', lr=1.0))
    toy.param_scheduler = cfg.param_scheduler
    toy.default_hooks.checkpoint = None
    runner = Runner.from_cfg(toy)
    runner.register_hook(RecordLR())
    runner.train()
    iters_per_epoch = len(lrs) // epochs
    assert len(lrs) == epochs * iters_per_epoch and iters_per_epoch > 1
    total = (epochs - 1) * iters_per_epoch
    for step, lr in enumerate(lrs[iters_per_epoch:]):
        expected = 0.01 + 0.99 * (1 + math.cos(math.pi * step / total)) / 2
        assert lr == pytest.approx(expected, rel=1e-6), step


@pytest.mark.parametrize('scenes2400,scenes480', [
    ('clip/clip_vit-t16-text-t_1xb64-6e_demo-world-2400.py',
     'clip/clip_vit-t16-text-t_1xb64-20e_demo-world.py'),
    ('albef/albef_vit-t16-bert-t_bf16_1xb64-7e_demo-world-2400.py',
     'albef/albef_vit-t16-bert-t_1xb64-15e_demo-world.py'),
    ('blip/blip_vit-t16-med-t_bf16_1xb64-7e_demo-world-2400.py',
     'blip/blip_vit-t16-med-t_1xb64-15e_demo-world.py'),
])
def test_2400_scene_variants_change_only_data_and_length(
        scenes2400, scenes480):
    """A 2,400-scene config trains the same model with the same optimizer
    and pipelines as its 480-scene config; only the data root, the number
    of epochs, the validation / checkpoint intervals and (ALBEF) bfloat16
    autocast differ."""
    big, small = load(scenes2400), load(scenes480)
    assert big.model == small.model
    big_optim = big.optim_wrapper.copy()
    small_optim = small.optim_wrapper.copy()
    # a 2,400-scene config may train in bfloat16 autocast
    assert big_optim.pop('type') in (small_optim.pop('type'),
                                     'CPUAutocastOptimWrapper')
    assert big_optim.pop('dtype', 'bfloat16') == 'bfloat16'
    assert big_optim == small_optim
    assert big.param_scheduler == small.param_scheduler
    for split in ('train', 'val', 'test'):
        big_data = big[f'{split}_dataloader'].copy()
        small_data = small[f'{split}_dataloader'].copy()
        assert big_data.dataset.pop('data_root') == 'data/demo_world_2400/'
        assert small_data.dataset.pop('data_root') == 'data/demo_world/'
        assert big_data == small_data
    assert big.train_cfg.max_epochs < small.train_cfg.max_epochs
    assert big.train_cfg.val_interval == 1
