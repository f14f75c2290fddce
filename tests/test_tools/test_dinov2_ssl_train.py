"""DINOv2 self-supervised training end to end: tools/train.py on a tiny
image folder, and the distributed statistics of two gloo processes."""
import os
import os.path as osp
import subprocess
import sys
import textwrap

import mmcv
import numpy as np
import pytest
import torch

from tests.conftest import REPO_ROOT

DEMO_SSL = osp.join(REPO_ROOT, 'configs', 'dinov2',
                    'dinov2-ssl_vit-t14_1xb32-10e_demo-world.py')
#: The tiny ViT and DINO head of the SSL run; its exported backbone and the
#: distillation teacher reading its checkpoint must have the same sizes.
TINY_ARCH = dict(embed_dims=32, num_layers=2, num_heads=2)
TINY_HEAD = dict(num_prototypes=64, hidden_channels=48, bottleneck_channels=16)


def run(args, env):
    proc = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    if proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def image_folder(tmp_path_factory):
    """8 images of varied sizes in a nested folder tree."""
    root = tmp_path_factory.mktemp('images')
    rng = np.random.default_rng(0)
    for i in range(8):
        size = (40 + 8 * i, 64 - 3 * i)
        img = rng.integers(0, 256, size + (3, ), dtype=np.uint8)
        mmcv.imwrite(img, str(root / f'part{i % 2}' / f'{i}.jpg'))
    return str(root)


def image_folder_loader(image_folder):
    """Config text: batch 4 of the image folder through the base config's
    multi-crop pipeline."""
    return textwrap.dedent(f'''
        train_dataloader = dict(
            batch_size=4, num_workers=0, persistent_workers=False,
            dataset=dict(_delete_=True, type='mmpretrain.CustomDataset',
                         data_root={image_folder!r}, with_label=False,
                         pipeline={{{{_base_.crop_pipeline}}}}))
        ''')


def tiny_config(tmp_path, image_folder):
    """The demo config, shrunk: tiny ViT, small heads, batch 4, 2 epochs."""
    path = tmp_path / 'tiny_ssl.py'
    path.write_text(textwrap.dedent(f'''
        _base_ = [{DEMO_SSL!r}]
        model = dict(
            backbone=dict(arch=dict({TINY_ARCH!r}, _delete_=True)),
            dino_head={TINY_HEAD!r})
        train_cfg = dict(max_epochs=2)
        default_hooks = dict(logger=dict(interval=1),
                             checkpoint=dict(interval=1))
        ''') + image_folder_loader(image_folder))
    return str(path)


@pytest.fixture(scope='module')
def ssl_run(tmp_path_factory, image_folder):
    """tools/train.py on the tiny config: 2 epochs of 2 iterations."""
    tmp = tmp_path_factory.mktemp('ssl_run')
    config = tiny_config(tmp, image_folder)
    work_dir = str(tmp / 'work')
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep +
               os.environ.get('PYTHONPATH', ''))
    env.setdefault('OMP_NUM_THREADS', '1')
    log = run([sys.executable, 'tools/train.py', config, '--work-dir',
               work_dir], env)
    return config, work_dir, log


@pytest.mark.slow
def test_train_a_few_iterations_and_export(ssl_run, tmp_path,
                                           subprocess_env):
    _, work_dir, log = ssl_run
    for term in ('loss_dino_local', 'loss_dino_global', 'loss_koleo',
                 'loss_ibot', 'teacher_temp', 'grad_norm_backbone'):
        assert term in log, term
    ckpt = torch.load(osp.join(work_dir, 'epoch_2.pth'), map_location='cpu',
                      weights_only=False)
    assert ckpt['meta']['iter'] == 4
    state = ckpt['state_dict']
    assert 'teacher.module.backbone.cls_token' in state
    assert int(state['teacher.steps']) == 4
    out = str(tmp_path / 'teacher.pth')
    run([sys.executable, 'tools/model_converters/dinov2_ssl2official.py',
         osp.join(work_dir, 'epoch_2.pth'), out], subprocess_env)
    from mmvision_plus.models.backbones import DINOv2ViT
    DINOv2ViT(arch=TINY_ARCH, img_size=168,
              init_cfg=dict(type='Pretrained',
                            checkpoint=out)).init_weights()


@pytest.mark.slow
def test_distillation_from_the_trained_teacher(ssl_run, image_folder,
                                               tmp_path, subprocess_env):
    """The demo distillation config, shrunk: it reads the run's EMA teacher,
    keeps it frozen and saves the student's EMA (EMAHook)."""
    _, ssl_dir, _ = ssl_run
    ssl_ckpt = osp.join(ssl_dir, 'epoch_2.pth')
    distill = osp.join(REPO_ROOT, 'configs', 'dinov2',
                       'dinov2-distill_vit-n14-from-t14_1xb32-10e_demo-world'
                       '.py')
    config = tmp_path / 'tiny_distill.py'
    config.write_text(textwrap.dedent(f'''
        _base_ = [{distill!r}]
        model = dict(
            backbone=dict(arch=dict(_delete_=True, embed_dims=16,
                                    num_layers=1, num_heads=2)),
            dino_head={TINY_HEAD!r},
            teacher=dict(
                backbone=dict(arch=dict({TINY_ARCH!r}, _delete_=True)),
                dino_head={TINY_HEAD!r},
                checkpoint={ssl_ckpt!r}))
        train_cfg = dict(max_epochs=1)
        ''') + image_folder_loader(image_folder))
    work_dir = str(tmp_path / 'work')
    log = run([sys.executable, 'tools/train.py', str(config), '--work-dir',
               work_dir], subprocess_env)
    assert 'loss_ibot' in log
    teacher = torch.load(ssl_ckpt, map_location='cpu',
                         weights_only=False)['state_dict']
    ckpt = torch.load(osp.join(work_dir, 'epoch_1.pth'), map_location='cpu',
                      weights_only=False)
    state = ckpt['state_dict']
    for key, value in teacher.items():
        if key.startswith('teacher.module.'):
            frozen = 'teacher.' + key[len('teacher.module.'):]
            assert torch.equal(state[frozen], value), key
    assert 'ema_state_dict' in ckpt
    assert state['backbone.cls_token'].shape == (1, 1, 16)


DIST_SCRIPT = textwrap.dedent('''
    import sys
    import torch
    import torch.distributed as dist
    from mmvision_plus.models.losses import (DINOLoss, IBOTPatchLoss,
                                             sinkhorn_knopp)
    dist.init_process_group('gloo')
    rank = dist.get_rank()
    torch.manual_seed(0)
    logits = torch.randn(2, 12, 16)          # two iterations, 12 rows
    patches = torch.randn(2, 15, 16)         # masked patches: 9 + 6 rows
    split = (9, 6)
    mine = slice(rank * 6, rank * 6 + 6)
    start = sum(split[:rank])
    my_patches = slice(start, start + split[rank])
    dino = DINOLoss(out_dim=16, centering='centering')
    out = dict(sinkhorn=[], ibot=[], centered=[], center=None)
    for it in range(2):
        out['sinkhorn'].append(sinkhorn_knopp(logits[it, mine], 0.05))
        out['ibot'].append(IBOTPatchLoss(out_dim=16).teacher_targets(
            patches[it, my_patches], 0.05))
        out['centered'].append(dino.teacher_targets(logits[it, mine], 0.05))
    out['center'] = dino.center
    torch.save(out, sys.argv[1] + f'.rank{rank}')
    dist.destroy_process_group()
''')


@pytest.mark.slow
def test_two_processes_give_the_targets_of_the_concatenated_batch(
        tmp_path, subprocess_env):
    from mmvision_plus.models.losses import DINOLoss, sinkhorn_knopp
    script = tmp_path / 'dist_targets.py'
    script.write_text(DIST_SCRIPT)
    env = dict(subprocess_env, PYTHON=sys.executable,
               PORT=str(29600 + os.getpid() % 1000))
    out = str(tmp_path / 'targets')
    run(['bash', 'tools/dist_launch.sh', '2', str(script), out], env)
    ranks = [torch.load(f'{out}.rank{r}') for r in range(2)]
    torch.manual_seed(0)
    logits = torch.randn(2, 12, 16)
    patches = torch.randn(2, 15, 16)
    dino = DINOLoss(out_dim=16, centering='centering')
    for it in range(2):
        full = sinkhorn_knopp(logits[it], 0.05)
        torch.testing.assert_close(
            torch.cat([r['sinkhorn'][it] for r in ranks]), full)
        torch.testing.assert_close(
            torch.cat([r['ibot'][it] for r in ranks]),
            sinkhorn_knopp(patches[it], 0.05))
        torch.testing.assert_close(
            torch.cat([r['centered'][it] for r in ranks]),
            dino.teacher_targets(logits[it], 0.05))
    for r in ranks:
        torch.testing.assert_close(r['center'], dino.center)


@pytest.mark.slow
def test_two_process_ddp_training(tmp_path, image_folder, subprocess_env):
    config = tiny_config(tmp_path, image_folder)
    work_dir = str(tmp_path / 'ddp')
    env = dict(subprocess_env, PYTHON=sys.executable,
               PORT=str(29700 + os.getpid() % 1000))
    log = run(['bash', 'tools/dist_train.sh', config, '2', '--work-dir',
               work_dir, '--cfg-options', 'train_cfg.max_epochs=1'], env)
    assert 'Distributed training: True' in log
    ckpt = torch.load(osp.join(work_dir, 'epoch_1.pth'), map_location='cpu',
                      weights_only=False)
    # 8 images, 2 processes x batch 4 -> 1 iteration
    assert ckpt['meta']['iter'] == 1
