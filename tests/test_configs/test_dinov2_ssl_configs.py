"""DINOv2 self-supervised configs: the official recipes build (on the meta
device for the large ones) and their data pipelines produce batches."""
import math
import os.path as osp
import random

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import mmvision_plus
from mmvision_plus.registry import MODELS

mmvision_plus.register_all_modules(init_default_scope=False)
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load(name):
    return Config.fromfile(osp.join(ROOT, 'configs', 'dinov2', name))


def build_on_meta(cfg):
    with DefaultScope.overwrite_default_scope('mmvision_plus'), \
            torch.device('meta'):
        return MODELS.build(cfg.model)


# (config, arch dims, blocks, FFN, prototypes, separate iBOT head,
#  centering, teacher momentum, lr, iterations)
RECIPES = [
    ('dinov2-ssl_vit-s14_8xb64-100x1250i_in1k.py', 384, 12, 'Mlp', 65536,
     False, 'centering', 0.992, 4e-3 * math.sqrt(512 / 1024), 125000),
    ('dinov2-ssl_vit-b14_8xb64-100x1250i_in1k.py', 768, 12, 'Mlp', 65536,
     False, 'centering', 0.992, 4e-3 * math.sqrt(512 / 1024), 125000),
    ('dinov2-ssl_vit-l14_32xb32-500x1250i_in22k.py', 1024, 24, 'SwiGLUFFN',
     131072, True, 'sinkhorn_knopp', 0.994, 2e-4, 625000),
    ('dinov2-ssl_vit-g14_32xb12-500x1250i_in22k.py', 1536, 40, 'SwiGLUFFN',
     131072, True, 'sinkhorn_knopp', 0.994, 2e-4, 625000),
]


@pytest.mark.parametrize('recipe', RECIPES, ids=[r[0] for r in RECIPES])
def test_official_recipes_build(recipe):
    (name, dims, depth, ffn, protos, separate, centering, momentum, lr,
     iters) = recipe
    cfg = load(name)
    model = build_on_meta(cfg)
    assert model.backbone.embed_dims == dims
    assert len(model.backbone.blocks) == depth
    assert type(model.backbone.blocks[0].mlp).__name__ == ffn
    assert model.dino_head.num_prototypes == protos
    assert (model.ibot_head is not None) == separate
    assert model.dino_loss.centering == model.ibot_loss.centering == centering
    assert model.koleo_loss.loss_weight == 0.1
    assert cfg.model.teacher_momentum == momentum
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(lr)
    assert cfg.train_cfg.max_iters == iters
    assert cfg.param_scheduler[1].end == iters
    assert cfg.param_scheduler[1].eta_min_ratio * lr == pytest.approx(1e-6)
    final_wd = 0.4 if depth == 12 else 0.2
    assert cfg.param_scheduler[2].eta_min_ratio * 0.04 == pytest.approx(
        final_wd)
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == (
        0.9 if depth == 12 else 1.0)
    hooks = {h.type: h for h in cfg.custom_hooks}
    assert hooks['TeacherTempWarmupHook'].warmup_iters == 30 * 1250
    assert hooks['FreezeLastLayerHook'].freeze_iters == 1250
    assert hooks['SubmoduleGradClipHook'].max_norm == 3.0
    assert 'clip_grad' not in cfg.optim_wrapper


def test_distillation_and_adaptation_configs_build():
    distill = load('dinov2-distill_vit-s14-from-g14_8xb64-100x1250i_in22k.py')
    model = build_on_meta(distill)
    assert model.distillation and model.ibot_on_all_patches
    assert model.teacher['backbone'].embed_dims == 1536
    assert model.backbone.embed_dims == 384
    assert not any(p.requires_grad for p in model.teacher.parameters())
    assert model.teacher_checkpoint.endswith('iter_625000.pth')
    assert any(h.type == 'EMAHook' for h in distill.custom_hooks)
    adapt = load('dinov2-ssl_vit-s14_8xb32-518px-10000i_in1k.py')
    crop = adapt.train_dataloader.dataset.pipeline[1]
    assert crop.global_crop_size == 518 and crop.local_crop_size == 98
    assert adapt.load_from.endswith('iter_125000.pth')
    assert adapt.train_cfg.max_iters == 10000


def test_demo_distillation_reads_the_demo_teacher():
    ssl = load('dinov2-ssl_vit-t14_1xb32-10e_demo-world.py')
    distill = load('dinov2-distill_vit-n14-from-t14_1xb32-10e_demo-world.py')
    teacher = distill.model.teacher
    assert teacher.dino_head == ssl.model.dino_head
    assert teacher.backbone.arch == ssl.model.backbone.arch
    assert teacher.checkpoint == 'work_dirs/dinov2-ssl_vit-t14_demo/' \
        f'epoch_{ssl.max_epochs}.pth'
    assert distill.model.backbone.arch.embed_dims == 96


@pytest.mark.parametrize('rand', [
    'dinov2-linear_vit-t14-rand_1xb64-6e_demo-world-crops.py',
    'dinov2-linseg_vit-t14-rand_1xb8-4e_demo-world.py',
    'dinov2-lindepth_vit-t14-rand_1xb8-4e_demo-world.py',
    'retinanet_dinov2-t14_simplefpn_1xb8-6e_demo-world.py',
])
def test_ssl_backbone_probes_change_only_the_weights(rand):
    ssl_name = rand.replace('-rand_', '-ssl_').replace(
        'dinov2-t14_', 'dinov2-t14-ssl_')
    rand_cfg, ssl_cfg = load(rand).to_dict(), load(ssl_name).to_dict()
    init = ssl_cfg['model']['backbone'].pop('init_cfg')
    rand_cfg['model']['backbone'].pop('init_cfg', None)
    assert ssl_cfg == rand_cfg
    assert init == dict(
        type='Pretrained',
        checkpoint='work_dirs/dinov2-ssl_vit-t14_demo/teacher_backbone.pth')


def _loader(cfg, **dataset):
    loader = cfg.train_dataloader.to_dict()
    loader.update(batch_size=2, num_workers=0, persistent_workers=False)
    loader['dataset'].update(dataset)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        return Runner.build_dataloader(loader)


def test_image_folder_config_reads_any_folder_tree(tmp_path):
    rng = np.random.default_rng(0)
    for i, sub in enumerate(['a', 'a/b', 'c']):
        img = rng.integers(0, 256, (120 + 10 * i, 90, 3), dtype=np.uint8)
        mmcv.imwrite(img, str(tmp_path / sub / f'{i}.png'))
    cfg = load('dinov2-ssl_vit-s14_1xb64-100x1250i_image-folder.py')
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(1e-3)
    random.seed(0)
    loader = _loader(cfg, data_root=str(tmp_path))
    assert len(loader.dataset) == 3
    batch = next(iter(loader))
    assert [tuple(x.shape) for x in batch['inputs']] == \
        [(2, 3, 224, 224)] * 2 + [(2, 3, 98, 98)] * 8
    assert batch['masks'].shape == (4, 16 * 16)
    assert (batch['masks'].sum(1) > 0).sum() == 2


def test_coco_images_config_lists_the_annotated_images(tiny_demo_world):
    cfg = load('dinov2-ssl_vit-s14_1xb64-100x1250i_coco-images.py')
    loader = _loader(cfg, data_root=tiny_demo_world,
                     ann_file='annotations/instances_train.json',
                     data_prefix=dict(img='images/train/'))
    assert len(loader.dataset) == 16
    batch = next(iter(loader))
    assert batch['inputs'][0].shape == (2, 3, 224, 224)
