"""The ViLT / VLMo / BEiT-3 / CoCa configs and the benchmark's: official
hyper-parameters of the COCO / Flickr30K configs, the demo budget of every
benchmark row, the stage chain, and (slow) the full-size models build and
load state dicts in their official layout."""
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
ALGOS = ('vilt', 'vlmo', 'beit3', 'coca', 'vl_benchmark')


def load(name: str) -> Config:
    return Config.fromfile(osp.join(ROOT, 'configs', name))


def test_every_config_loads():
    names = [osp.relpath(p, osp.join(ROOT, 'configs')) for algo in ALGOS
             for p in sorted(glob.glob(osp.join(ROOT, 'configs', algo,
                                                '*.py')))]
    assert len(names) == 21
    for name in names:
        assert load(name).model.type in ('ViLT', 'VLMo', 'BEiT3', 'CoCa',
                                         'ClipDualEncoder', 'ALBEF',
                                         'BLIPMED'), name


@pytest.mark.parametrize('name,lr,length,check', [
    ('vilt/vilt_vit-b32-bert-base_8xb32-10e_coco-retrieval.py', 1e-4, 10,
     dict(batch=32, weight_decay=0.01)),
    ('vilt/vilt_vit-b32-bert-base_8xb32-10e_flickr30k-retrieval.py', 1e-4,
     10, dict(batch=32, weight_decay=0.01)),
    ('beit3/beit3_multiway-b16_16xb192-15e_coco-retrieval.py', 2e-4, 15,
     dict(batch=192, weight_decay=0.05, warmup=3, layer_decay=0.65)),
    ('beit3/beit3_multiway-b16_16xb192-20e_flickr30k-retrieval.py', 1e-4, 20,
     dict(batch=192, weight_decay=0.05, warmup=5, layer_decay=0.65)),
    ('vlmo/vlmo_multiway-l16_64xb48-3000i_coco-retrieval.py', 2e-5, 3000,
     dict(batch=48, weight_decay=0.01, warmup=300)),
    ('vlmo/vlmo_multiway-l16_64xb48-1500i_flickr30k-retrieval.py', 2e-5,
     1500, dict(batch=48, weight_decay=0.01, warmup=150)),
])
def test_retrieval_finetuning_hyper_parameters(name, lr, length, check):
    cfg = load(name)
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.lr == lr and optimizer.weight_decay == check[
        'weight_decay']
    assert cfg.train_dataloader.batch_size == check['batch']
    loop = cfg.train_cfg
    assert (loop.get('max_iters') or loop.get('max_epochs')) == length
    schedule = cfg.param_scheduler
    assert schedule[-1].end == length
    if 'warmup' in check:
        assert schedule[0].end == check['warmup'] == schedule[1].begin
    if 'layer_decay' in check:
        assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == check[
            'layer_decay']
        assert cfg.model.arch.img_size == 384
        assert cfg.model.arch.drop_path_rate == 0.2
    assert cfg.test_evaluator.type == 'ImageTextRecall'
    if 'flickr' in name:
        assert cfg.test_dataloader.dataset.ann_file.endswith(
            'flickr30k_test.json')
    if name.startswith('vlmo'):
        assert cfg.model.transformer.num_layers == 24
        assert cfg.model.transformer.vl_ffn_start == 21
        assert cfg.model.tasks == ('itc', ) and not cfg.model.vl_itc


def test_coca_configs():
    caption = load('coca/coca_vit-b32_8xb16-1e_coco-caption.py')
    assert caption.model.contrastive_loss_weight == 0
    assert caption.model.caption_loss_weight == 1
    assert caption.optim_wrapper.optimizer.lr == 1e-5
    assert caption.optim_wrapper.optimizer.weight_decay == 0.1
    assert caption.test_evaluator.type == 'CaptionBleuCider'
    demo = load('coca/coca_vit-t16_1xb64-15e_demo-world.py')
    assert demo.model.clip.vision_cfg.attentional_pool == 'parallel'
    assert demo.model.clip.vision_cfg.attn_pooler_queries == 256
    assert demo.model.contrastive_loss_weight == 1.0
    assert demo.model.caption_loss_weight == 2.0
    for split in ('coco', 'flickr30k'):
        zero_shot = load(f'coca/coca_vit-b32_zeroshot_{split}-retrieval.py')
        assert zero_shot.train_dataloader is None
        assert zero_shot.model.clip.vision_cfg.attentional_pool is True


BENCHMARK_ROWS = [
    ['vl_benchmark/clip_vit-t16-text-t_1xb64-15e_demo-world-bench.py'],
    ['vilt/vilt_vit-t16_1xb64-15e_demo-world.py'],
    ['vl_benchmark/albef_vit-t16-bert-t_1xb64-15e_demo-world-bench.py'],
    ['vlmo/vlmo_multiway-t16_1xb64-3e_demo-world-stage1-mim.py',
     'vlmo/vlmo_multiway-t16_1xb64-2e_demo-world-stage2-textmlm.py',
     'vlmo/vlmo_multiway-t16_1xb64-10e_demo-world-stage3.py'],
    ['vl_benchmark/blip_vit-t16-med-t_1xb64-15e_demo-world-bench.py'],
    ['coca/coca_vit-t16_1xb64-15e_demo-world.py'],
    ['beit3/beit3_multiway-t16_1xb64-5e_demo-world-pretrain.py',
     'beit3/beit3_multiway-t16_1xb64-10e_demo-world.py'],
]


@pytest.mark.parametrize('chain', BENCHMARK_ROWS)
def test_benchmark_rows_share_one_budget(chain):
    """15 epochs of batches of 64 from the same 480-scene demo data (the
    stages of a chain add up), AdamW lr 5e-4 with the same schedule, a
    96 px 16-px-patch image path, the retrieval cost measured at test."""
    epochs = 0
    for name in chain:
        cfg = load(name)
        epochs += cfg.train_cfg.max_epochs
        loader = cfg.train_dataloader
        assert loader.batch_size == 64 and loader.drop_last
        assert loader.dataset.ann_file == 'annotations/retrieval_train.json'
        assert loader.dataset.data_root == 'data/demo_world/'
        assert cfg.optim_wrapper.optimizer == dict(type='AdamW', lr=5e-4,
                                                   weight_decay=0.05)
        assert cfg.optim_wrapper.clip_grad.max_norm == 5.0
        warmup, cosine = cfg.param_scheduler
        assert warmup.type == 'LinearLR' and warmup.end == 1
        assert cosine.type == 'CosineAnnealingLR'
        # end / T_max come from train_cfg.max_epochs at build time
        # (test_vl_configs.py::test_demo_schedule_length_follows_max_epochs)
        assert 'end' not in cosine and 'T_max' not in cosine
    assert epochs == 15
    final = load(chain[-1])
    hooks = [h['type'] for h in final.custom_hooks]
    assert 'RetrievalCostHook' in hooks and 'RetrievalMeanHook' in hooks
    assert final.test_dataloader.dataset.ann_file == \
        'annotations/retrieval_val.json'


def test_long_vilt_differs_from_the_benchmark_vilt_only_in_steps():
    """The ViLT config with the iterations its ITM needs is the family's
    ViLT with batch 32 for 30 epochs, validated once at the end."""
    family = load('vilt/vilt_vit-t16_1xb64-15e_demo-world.py')
    long = load('vilt/vilt_vit-t16_1xb32-30e_demo-world.py')
    assert long.train_dataloader.batch_size == 32
    assert long.train_cfg == dict(type='EpochBasedTrainLoop', max_epochs=30,
                                  val_interval=30)
    for key in ('model', 'optim_wrapper', 'param_scheduler',
                'test_dataloader', 'custom_hooks'):
        assert long[key] == family[key], key
    long.train_dataloader.batch_size = 64
    assert long.train_dataloader == family.train_dataloader


def test_beit3_demo_ranks_by_itc_alone():
    """Like the official BEiT3ForRetrieval; the fusion classifier is still
    trained (it can re-rank with model.rerank_topk)."""
    beit3 = load('beit3/beit3_multiway-t16_1xb64-10e_demo-world.py')
    assert beit3.model.get('rerank_topk') is None
    assert beit3.model.tasks == ('itc', 'itm')


def test_benchmark_members_are_the_table_s_rows():
    from tools.analysis_tools.vl_benchmark import MEMBERS
    rows = [[osp.join('configs', n) for n in chain]
            for chain in BENCHMARK_ROWS]
    assert [[*m.stages, m.final] for m in MEMBERS] == rows
    readme = open(osp.join(ROOT, 'configs', 'vl_benchmark',
                           'README.md')).read()
    for member in MEMBERS:
        assert f'"config": "{member.final}"' in readme


@pytest.mark.slow
@pytest.mark.parametrize('name', [
    'vilt/vilt_vit-b32-bert-base_8xb32-10e_coco-retrieval.py',
    'vlmo/vlmo_multiway-l16_64xb48-3000i_coco-retrieval.py',
    'beit3/beit3_multiway-b16_16xb192-15e_coco-retrieval.py',
    'coca/coca_vit-b32_zeroshot_coco-retrieval.py',
])
def test_full_size_models_build_and_load(name, tmp_path):
    cfg = load(name)
    cfg.model.pop('pretrained', None)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = MODELS.build(cfg.model)
    params = sum(p.numel() for p in model.parameters())
    if name.startswith('vilt'):
        assert model.transformer.pos_embed.shape == (1, 145, 768)
        assert 0.8e8 < params < 1.5e8
    if name.startswith('vlmo'):
        block = model.transformer.blocks[21]
        assert block.with_vl_expert and not model.transformer.blocks[
            20].with_vl_expert
        assert model.relative_position_bias_table.shape == (
            (2 * 24 - 1)**2 + 3 + 2 * 196 + 2, 16 * 24)
        assert params > 4e8
    if name.startswith('beit3'):
        assert len(model.beit3.encoder.layers) == 12
        assert model.beit3.vision_embed.num_patches == 576
        assert params > 1.5e8
    if name.startswith('coca'):
        assert model.clip.visual.attn_pool.query.shape == (256, 512)
        assert model.clip.text_decoder.text_projection.shape == (512, 49408)
        assert params > 2e8
    # the state dict loads back strictly (the layout the converters write)
    path = tmp_path / 'model.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    del model
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        again = MODELS.build(cfg.model)
    again.load_state_dict(torch.load(path, weights_only=True)['state_dict'],
                          strict=True)
