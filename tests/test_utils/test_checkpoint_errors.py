"""Unloadable checkpoint files get an error naming the file and the reason."""
import os.path as osp
import pickle

import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModule
from mmengine.runner import Runner
from mmengine.runner.checkpoint import (CheckpointLoader, _load_checkpoint,
                                        load_checkpoint)
from torch import nn

from mmvision_plus.utils import CheckpointLoadError
from mmvision_plus.utils.checkpoint_errors import (_globals_in_pickle,
                                                   load_from_local)
from tests.test_utils.bad_checkpoints import (EXPECTED_REASONS,
                                              _RunsShellCommand,
                                              assert_clear_error,
                                              write_bad_checkpoints)
from tests.test_utils.toy_runner import toy_config


@pytest.fixture(scope='module')
def real_checkpoint(tmp_path_factory):
    """A Runner checkpoint of the toy model after one epoch."""
    work_dir = str(tmp_path_factory.mktemp('real') / 'toy')
    Runner.from_cfg(Config(toy_config(work_dir, 1))).train()
    return osp.join(work_dir, 'epoch_1.pth')


@pytest.fixture(scope='module')
def bad_checkpoints(tmp_path_factory, real_checkpoint):
    return write_bad_checkpoints(str(tmp_path_factory.mktemp('bad')),
                                 real_checkpoint)


def test_local_paths_go_through_our_loader():
    assert CheckpointLoader._get_checkpoint_loader('/a/b.pth') is \
        load_from_local
    assert CheckpointLoader._get_checkpoint_loader('b.pth') is \
        load_from_local


@pytest.mark.parametrize('kind', sorted(EXPECTED_REASONS))
def test_bad_file_is_named_with_its_reason(bad_checkpoints, kind):
    path = bad_checkpoints[kind]
    with pytest.raises(CheckpointLoadError) as caught:
        load_from_local(path, map_location='cpu')
    assert_clear_error(caught.value, path, kind)
    # mmengine's own entry points reach the same loader.
    with pytest.raises(CheckpointLoadError) as caught:
        _load_checkpoint(path, map_location='cpu')
    assert_clear_error(caught.value, path, kind)


class _Pretrained(BaseModule):

    def __init__(self, checkpoint):
        super().__init__(init_cfg=dict(type='Pretrained',
                                       checkpoint=checkpoint))
        self.linear = nn.Linear(2, 1)


@pytest.mark.parametrize('kind', ['truncated', 'os_system'])
def test_pretrained_init_and_load_checkpoint(bad_checkpoints, kind):
    path = bad_checkpoints[kind]
    with pytest.raises(CheckpointLoadError) as caught:
        _Pretrained(path).init_weights()
    assert_clear_error(caught.value, path, kind)
    with pytest.raises(CheckpointLoadError) as caught:
        load_checkpoint(nn.Linear(2, 1), path, map_location='cpu')
    assert_clear_error(caught.value, path, kind)


def test_sound_checkpoints_load_as_before(real_checkpoint, tmp_path):
    loaded = load_from_local(real_checkpoint, map_location='cpu')
    assert loaded['meta']['epoch'] == 1
    legacy = str(tmp_path / 'legacy.pth')
    torch.save({'w': torch.arange(3)}, legacy,
               _use_new_zipfile_serialization=False)
    assert load_from_local(legacy)['w'].tolist() == [0, 1, 2]
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_from_local(str(tmp_path / 'missing.pth'))


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a CPU machine')
def test_other_failures_of_a_sound_file_propagate(real_checkpoint):
    """A bad map_location is not the file's fault: torch's error stays."""
    with pytest.raises(RuntimeError, match='CUDA') as caught:
        load_from_local(real_checkpoint, map_location='cuda')
    assert not isinstance(caught.value, CheckpointLoadError)


def test_truncated_legacy_checkpoint(tmp_path):
    path = str(tmp_path / 'legacy.pth')
    torch.save({'w': torch.ones(100)}, path,
               _use_new_zipfile_serialization=False)
    with open(path, 'rb') as file:
        data = file.read()
    with open(path, 'wb') as file:
        file.write(data[:len(data) // 2])
    with pytest.raises(CheckpointLoadError, match='truncated'):
        load_from_local(path)


@pytest.mark.parametrize('protocol', range(pickle.HIGHEST_PROTOCOL + 1))
def test_globals_in_pickle_of_every_protocol(tmp_path, protocol):
    path = str(tmp_path / 'p.pkl')
    with open(path, 'wb') as file:
        pickle.dump([_RunsShellCommand(), _RunsShellCommand(),
                     osp.join], file, protocol=protocol)
    names = _globals_in_pickle(path)
    assert names[0] in ('posix.system', 'nt.system')
    assert names[-1] in ('posixpath.join', 'ntpath.join')
    with open(path, 'wb') as file:
        file.write(b'\xff not a pickle')
    assert _globals_in_pickle(path) == []
