"""Checkpoints through tools/train.py and tools/test.py on the toy Runner.

* every kind of Runner checkpoint entry survives ``--resume`` and
  ``tools/test.py`` (message-hub buffers empty, int and float included);
* a file that is not a loadable checkpoint, given to ``tools/test.py``,
  ``--resume`` or ``load_from``, ends in an error naming the file and the
  reason, never in advice to load with ``weights_only=False``;
* a training process killed halfway through writing a checkpoint or
  ``last_checkpoint`` leaves no truncated file, and ``--resume`` continues
  from the previous complete checkpoint.
"""
import os
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmvision_plus.utils import CheckpointLoadError
from tests.test_tools.test_train_test_resume import run_tool
from tests.test_utils import toy_runner
from tests.test_utils.bad_checkpoints import (EXPECTED_REASONS,
                                              assert_clear_error,
                                              write_bad_checkpoints)

SIGKILL_MODULE = 'tests.test_utils.sigkill_while_writing'


@pytest.fixture(scope='module')
def bad_checkpoints(tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('real') / 'toy')
    Runner.from_cfg(Config(toy_runner.toy_config(work_dir, 1))).train()
    return write_bad_checkpoints(str(tmp_path_factory.mktemp('bad')),
                                 osp.join(work_dir, 'epoch_1.pth'))


def _run_tool_main(tool, argv, monkeypatch):
    """Run ``tools/<tool>.py`` in this process with ``argv``."""
    if tool == 'train':
        from tools.train import main
    else:
        from tools.test import main
    monkeypatch.setattr(sys, 'argv', [f'tools/{tool}.py', *argv])
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    main()


@pytest.mark.parametrize('entry_point', ['test', 'resume', 'load_from'])
@pytest.mark.parametrize('kind', sorted(EXPECTED_REASONS))
def test_bad_checkpoint_through_each_entry_point(bad_checkpoints, tmp_path,
                                                 monkeypatch, entry_point,
                                                 kind):
    path = bad_checkpoints[kind]
    work_dir = str(tmp_path / f'{entry_point}_{kind}')
    config = toy_runner.write_toy_config(str(tmp_path / 'toy.py'), work_dir)
    if entry_point == 'test':
        tool, argv = 'test', [config, path]
    elif entry_point == 'resume':
        tool, argv = 'train', [config, '--resume', path]
    else:
        tool, argv = 'train', [config, '--cfg-options', f'load_from={path}']
    with pytest.raises(CheckpointLoadError) as caught:
        _run_tool_main(tool, argv, monkeypatch)
    assert_clear_error(caught.value, path, kind)
    assert not osp.exists(osp.join(work_dir, 'epoch_1.pth'))


def test_bad_checkpoint_message_as_printed(bad_checkpoints, tmp_path,
                                           python_exe, subprocess_env):
    """What a user sees: the file, the reason, no weights_only advice."""
    path = bad_checkpoints['truncated']
    config = toy_runner.write_toy_config(str(tmp_path / 'toy.py'),
                                         str(tmp_path / 'work'))
    proc = run_tool([python_exe, 'tools/test.py', config, path],
                    subprocess_env, check=False)
    assert proc.returncode != 0
    assert f'CheckpointLoadError: cannot load checkpoint {path}: the file ' \
        'is truncated' in proc.stderr
    assert 'weights_only' not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_every_entry_survives_resume_and_test(tmp_path, python_exe,
                                              subprocess_env):
    work_dir = str(tmp_path / 'work')
    config = toy_runner.write_toy_config(str(tmp_path / 'toy.py'), work_dir,
                                         max_epochs=2)
    train = [python_exe, 'tools/train.py', config]
    run_tool(train + ['--cfg-options', 'train_cfg.max_epochs=1'],
             subprocess_env)
    first = torch.load(osp.join(work_dir, 'epoch_1.pth'), weights_only=True)
    scalars = first['message_hub']['log_scalars']
    assert scalars[toy_runner.EMPTY_BUFFER_KEY].data[0].size == 0

    resumed = run_tool(train + ['--resume'], subprocess_env)
    assert 'resumed epoch: 1, iter: 2' in resumed.stdout + resumed.stderr
    final = torch.load(osp.join(work_dir, 'epoch_2.pth'), weights_only=True)
    final_scalars = final['message_hub']['log_scalars']
    # Restored from epoch_1.pth, then updated once more: [1, 2], int.
    int_history = final_scalars[toy_runner.INT_BUFFER_KEY].data[0]
    assert int_history.tolist() == [1, 2] and int_history.dtype == np.int64
    # 2 iterations logged before the checkpoint, 2 after resuming.
    assert len(final_scalars['train/loss'].data[0]) == 4
    assert final['meta']['dataset_meta'] == \
        toy_runner.CkptTestDataset.metainfo
    assert final['message_hub']['runtime_info']['keep_ckpt_ids'] == [1, 2]

    tested = run_tool([python_exe, 'tools/test.py', config,
                       osp.join(work_dir, 'epoch_2.pth'), '--work-dir',
                       str(tmp_path / 'test')], subprocess_env)
    assert 'toy/mse' in tested.stdout + tested.stderr


@pytest.mark.slow
@pytest.mark.parametrize('killed_writing', ['epoch_2', 'last_checkpoint'])
def test_kill_while_saving_then_resume(tmp_path, python_exe, subprocess_env,
                                       killed_writing):
    """SIGKILL halfway through writing epoch_2.pth / its last_checkpoint."""
    work_dir = str(tmp_path / 'work')
    config = toy_runner.write_toy_config(
        str(tmp_path / 'toy.py'), work_dir, max_epochs=3,
        extra_imports=[SIGKILL_MODULE])
    report = str(tmp_path / 'killed_while_writing.txt')
    env = dict(subprocess_env, KILL_WRITING_MATCH=killed_writing,
               KILL_WRITING_REPORT=report,
               # last_checkpoint is written once per epoch: the 2nd time.
               KILL_WRITING_NTH='2' if killed_writing == 'last_checkpoint'
               else '1')
    train = [python_exe, 'tools/train.py', config]
    killed = run_tool(train, env, check=False)
    assert killed.returncode == -9, killed.stderr[-2000:]
    with open(report) as file:
        written = file.read().split()
    assert len(written) == 1 and osp.dirname(written[0]) == work_dir
    assert killed_writing in osp.basename(written[0])

    # Whatever the kill left, no checkpoint is truncated ...
    checkpoints = sorted(f for f in os.listdir(work_dir)
                         if f.startswith('epoch_') and f.endswith('.pth'))
    assert 'epoch_1.pth' in checkpoints
    for name in checkpoints:
        loaded = torch.load(osp.join(work_dir, name), weights_only=True)
        assert loaded['meta']['epoch'] == int(name[6:-4])
    # ... and last_checkpoint still names the one of epoch 1, complete
    # (when the kill hit it, its new text had not replaced the old one).
    with open(osp.join(work_dir, 'last_checkpoint')) as file:
        assert file.read() == osp.join(work_dir, 'epoch_1.pth')

    resumed = run_tool(train + ['--resume'], subprocess_env)  # no kill
    assert 'resumed epoch: 1, iter: 2' in resumed.stdout + resumed.stderr
    final = torch.load(osp.join(work_dir, 'epoch_3.pth'), weights_only=True)
    assert final['meta']['epoch'] == 3 and final['meta']['iter'] == 6


@pytest.mark.slow
def test_dist_test_sh_two_processes(tmp_path, subprocess_env):
    work_dir = str(tmp_path / 'work')
    config = toy_runner.write_toy_config(str(tmp_path / 'toy.py'), work_dir,
                                         max_epochs=1)
    env = dict(subprocess_env, PYTHON=sys.executable,
               PORT=str(29500 + os.getpid() % 1000))
    run_tool([sys.executable, 'tools/train.py', config], env)
    tested = run_tool(['bash', 'tools/dist_test.sh', config,
                       osp.join(work_dir, 'epoch_1.pth'), '2', '--work-dir',
                       str(tmp_path / 'test')], env)
    log = tested.stdout + tested.stderr
    assert 'Distributed training: True' in log
    assert 'toy/mse' in log
