"""tools/train.py, tools/test.py, --resume after a kill, and CPU DDP."""
import copy
import json
import os
import os.path as osp
import subprocess
import textwrap

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmvision_plus
from tests.conftest import DEMO_CONFIG, REPO_ROOT

# A hook that SIGKILLs its own process right after a checkpoint is written:
# the hard way a training run dies (no cleanup, no final save).
KILL_HOOK = textwrap.dedent('''
    import os, signal
    from mmengine.hooks import Hook
    from mmvision_plus.registry import HOOKS

    @HOOKS.register_module()
    class KillAfterEpochHook(Hook):
        priority = 'LOWEST'  # after CheckpointHook has saved

        def after_train_epoch(self, runner):
            if runner.epoch + 1 == int(os.environ.get('KILL_AFTER_EPOCH', -1)):
                os.kill(os.getpid(), signal.SIGKILL)
''')


def tiny_cfg_options(data_root, max_epochs):
    """Overrides that shrink the demo detector run to seconds."""
    root = data_root + '/'
    return [
        f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}',
        f'val_evaluator.ann_file={root}annotations/instances_val.json',
        f'test_evaluator.ann_file={root}annotations/instances_val.json',
        'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        f'train_cfg.max_epochs={max_epochs}',
        f'train_cfg.val_interval={max_epochs}',
        'default_hooks.logger.interval=1',
    ]


def run_tool(args, env, check=True):
    proc = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc


def build_runner(data_root, work_dir, max_epochs, resume_from=None):
    mmvision_plus.register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(DEMO_CONFIG)
    options = {}
    for item in tiny_cfg_options(data_root, max_epochs):
        key, value = item.split('=', 1)
        options[key] = int(value) if value.isdigit() else (
            False if value == 'False' else value)
    cfg.merge_from_dict(options)
    # Deterministic data: no random flip.
    cfg.train_dataloader.dataset.pipeline = [
        t for t in cfg.train_dataloader.dataset.pipeline
        if t['type'] != 'RandomFlip'
    ]
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1
    cfg.work_dir = work_dir
    cfg.experiment_name = osp.basename(work_dir)
    if resume_from:
        cfg.resume = True
        cfg.load_from = resume_from
    return Runner.from_cfg(cfg)


def test_resume_continues_exactly(tiny_demo_world, tmp_path):
    """2 epochs straight == 1 epoch, then resume for the 2nd."""
    straight = build_runner(tiny_demo_world, str(tmp_path / 'straight'), 2)
    straight.train()
    straight_state = {k: v.clone() for k, v in
                      straight.model.state_dict().items()}

    first = build_runner(tiny_demo_world, str(tmp_path / 'split'), 1)
    first.train()
    ckpt_path = str(tmp_path / 'split' / 'epoch_1.pth')
    saved = torch.load(ckpt_path, map_location='cpu')  # weights_only default
    assert saved['meta']['epoch'] == 1
    iters_per_epoch = saved['meta']['iter']
    assert iters_per_epoch == 4  # 16 images / batch 4

    resumed = build_runner(tiny_demo_world, str(tmp_path / 'split'), 2,
                           resume_from=ckpt_path)
    seen = {}

    class CaptureResumedState(Hook):
        # before_train runs after the Runner has resumed.
        def before_train(self, runner):
            seen['iter'], seen['epoch'] = runner.iter, runner.epoch
            seen['optimizer'] = copy.deepcopy(
                runner.optim_wrapper.state_dict())
            seen['lr'] = runner.optim_wrapper.get_lr()['lr'][0]

    resumed.register_hook(CaptureResumedState())
    resumed.train()
    assert seen['iter'] == iters_per_epoch and seen['epoch'] == 1
    # The optimizer state is the saved one, tensor for tensor.
    loaded_state = seen['optimizer']['state']
    assert loaded_state.keys() == saved['optimizer']['state'].keys()
    for idx, param_state in saved['optimizer']['state'].items():
        for name, value in param_state.items():
            torch.testing.assert_close(loaded_state[idx][name], value)
    assert seen['lr'] == pytest.approx(
        saved['optimizer']['param_groups'][0]['lr'])
    assert resumed.iter == 2 * iters_per_epoch
    for key, value in resumed.model.state_dict().items():
        torch.testing.assert_close(value, straight_state[key], rtol=1e-4,
                                   atol=1e-5, msg=key)


@pytest.mark.slow
def test_train_killed_then_resume_then_test(tiny_demo_world, tmp_path,
                                            python_exe, subprocess_env):
    (tmp_path / 'kill_hook.py').write_text(KILL_HOOK)
    config = tmp_path / 'killable.py'
    config.write_text(textwrap.dedent(f'''
        _base_ = '{DEMO_CONFIG}'
        custom_imports = dict(imports=['mmvision_plus', 'kill_hook'])
        custom_hooks = [dict(type='CheckFiniteLossHook'),
                        dict(type='KillAfterEpochHook')]
    '''))
    env = dict(subprocess_env)
    env['PYTHONPATH'] = str(tmp_path) + os.pathsep + env['PYTHONPATH']
    work_dir = str(tmp_path / 'work')
    options = tiny_cfg_options(tiny_demo_world, 3)
    train = [python_exe, 'tools/train.py', str(config), '--work-dir',
             work_dir, '--cfg-options'] + options

    env['KILL_AFTER_EPOCH'] = '2'
    killed = run_tool(train, env, check=False)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))
    assert not osp.exists(osp.join(work_dir, 'epoch_3.pth'))

    env['KILL_AFTER_EPOCH'] = '-1'
    resumed = run_tool(train + ['--resume'], env)
    log = resumed.stdout + resumed.stderr
    assert 'resumed epoch: 2, iter: 8' in log
    final = torch.load(osp.join(work_dir, 'epoch_3.pth'), map_location='cpu')
    assert final['meta']['epoch'] == 3 and final['meta']['iter'] == 12

    test_dir = str(tmp_path / 'test')
    tested = run_tool([python_exe, 'tools/test.py', DEMO_CONFIG,
                       osp.join(work_dir, 'epoch_3.pth'), '--work-dir',
                       test_dir, '--show-dir', 'vis', '--cfg-options'] +
                      tiny_cfg_options(tiny_demo_world, 3), env)
    assert 'coco/bbox_mAP' in tested.stdout + tested.stderr
    metrics = [json.loads(line) for root, _, files in os.walk(test_dir)
               for f in files if f.endswith('.json')
               for line in open(osp.join(root, f))]
    assert any('coco/bbox_mAP' in m for m in metrics)
    vis = [f for _, _, files in os.walk(test_dir) for f in files
           if f.endswith(('.png', '.jpg'))]
    assert len(vis) == 8


@pytest.mark.slow
def test_two_process_gloo_ddp(tiny_demo_world, tmp_path, subprocess_env):
    work_dir = str(tmp_path / 'ddp')
    env = dict(subprocess_env, PYTHON=os.environ.get('PYTHON_EXE', ''))
    env['PYTHON'] = env['PYTHON'] or __import__('sys').executable
    env['PORT'] = str(29500 + os.getpid() % 1000)
    proc = run_tool(['bash', 'tools/dist_train.sh', DEMO_CONFIG, '2',
                     '--work-dir', work_dir, '--cfg-options'] +
                    tiny_cfg_options(tiny_demo_world, 1), env)
    log = proc.stdout + proc.stderr
    assert 'Distributed training: True' in log
    ckpt = torch.load(osp.join(work_dir, 'epoch_1.pth'), map_location='cpu')
    # 16 images, 2 processes x batch 4 -> 2 iterations per epoch.
    assert ckpt['meta']['iter'] == 2


def test_amp_on_cpu_selects_bf16_autocast():
    from tools.train import apply_amp
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper',
                                         optimizer=dict(type='SGD', lr=0.1))))
    apply_amp(cfg)
    if torch.cuda.is_available():
        assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    else:
        assert cfg.optim_wrapper.type == 'CPUAutocastOptimWrapper'
        assert cfg.optim_wrapper.dtype == 'bfloat16'
