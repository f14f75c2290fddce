"""The command lines of tools/train.py and tools/test.py (shared code)."""
import os
import os.path as osp
import sys

import pytest

from mmvision_plus.utils.tool_helpers import load_runner_config
from tests.test_utils.toy_runner import write_toy_config


def _parse(tool, argv, monkeypatch):
    if tool == 'train':
        from tools.train import parse_args
    else:
        from tools.test import parse_args
    monkeypatch.setattr(sys, 'argv', [f'tools/{tool}.py', *argv])
    return parse_args()


def test_train_command_line(monkeypatch):
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    args = _parse('train', [
        'cfg.py', '--work-dir', 'w', '--amp', '--auto-scale-lr', '--resume',
        '--cfg-options', 'a.b=1', 'c=x', '--launcher', 'pytorch',
        '--local-rank', '3'
    ], monkeypatch)
    assert (args.config, args.work_dir, args.amp, args.auto_scale_lr,
            args.resume, args.launcher, args.local_rank) == \
        ('cfg.py', 'w', True, True, 'auto', 'pytorch', 3)
    assert args.cfg_options == {'a.b': 1, 'c': 'x'}
    assert os.environ['LOCAL_RANK'] == '3'
    assert _parse('train', ['cfg.py', '--resume', 'ckpt.pth'],
                  monkeypatch).resume == 'ckpt.pth'


def test_test_command_line(monkeypatch):
    monkeypatch.setenv('LOCAL_RANK', '1')  # torchrun's value wins
    args = _parse('test', [
        'cfg.py', 'ckpt.pth', '--work-dir', 'w', '--out', 'r.pkl', '--show',
        '--show-dir', 'vis', '--wait-time', '0.5', '--cfg-options', 'k=2',
        '--local_rank', '4'
    ], monkeypatch)
    assert (args.config, args.checkpoint, args.work_dir, args.out,
            args.show, args.show_dir, args.wait_time, args.launcher) == \
        ('cfg.py', 'ckpt.pth', 'w', 'r.pkl', True, 'vis', 0.5, 'none')
    assert args.cfg_options == {'k': 2}
    assert os.environ['LOCAL_RANK'] == '1'
    with pytest.raises(SystemExit):
        _parse('test', ['cfg.py', 'ckpt.pth', '--launcher', 'ray'],
               monkeypatch)


@pytest.mark.parametrize('work_dir_arg,in_config,expected', [
    ('given', None, 'given'),
    (None, 'from_config', 'from_config'),
    (None, None, osp.join('./work_dirs', 'toy')),
])
def test_work_dir_and_overrides(tmp_path, monkeypatch, work_dir_arg,
                                in_config, expected):
    config = write_toy_config(str(tmp_path / 'toy.py'), 'unused')
    if in_config is None:
        with open(config, 'a') as file:
            file.write('work_dir = None\n')
    else:
        expected = str(tmp_path / in_config)
        with open(config, 'a') as file:
            file.write(f'work_dir = {expected!r}\n')
    argv = [config, '--cfg-options', 'train_cfg.max_epochs=5']
    if work_dir_arg:
        argv += ['--work-dir', work_dir_arg]
    args = _parse('train', argv, monkeypatch)
    cfg = load_runner_config(args)
    assert cfg.work_dir == expected
    assert cfg.train_cfg.max_epochs == 5
    assert cfg.launcher == 'none'
