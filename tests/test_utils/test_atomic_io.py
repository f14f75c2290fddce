"""Atomic writes: a file is replaced whole or not at all."""
import os
import os.path as osp

import pytest
import torch
from mmengine import fileio
from mmengine.config import Config
from mmengine.runner import Runner

import mmvision_plus  # noqa: F401  (makes mmengine's saving atomic)
from mmvision_plus.utils import atomic_write
from mmvision_plus.utils.atomic_io import open_writing_atomically
from tests.test_utils import toy_runner
from tests.test_utils.interrupted_writes import (WriteInterrupted,
                                                 interrupt_writes)


def _interrupt(path):
    raise WriteInterrupted(path)


def _write_old(path, text='old content'):
    with open(path, 'w') as file:
        file.write(text)


def test_replaces_whole_file_with_usual_permissions(tmp_path):
    path = tmp_path / 'a.txt'
    with atomic_write(path, 'w') as file:
        file.write('new')
        assert not path.exists()  # nothing visible before the end
    assert path.read_text() == 'new'
    assert os.listdir(tmp_path) == ['a.txt']
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask

    path.chmod(0o640)  # an existing file keeps its mode
    with atomic_write(path, 'wb') as file:
        file.write(b'bytes')
    assert path.read_bytes() == b'bytes'
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize('failure', ['exception', 'interrupted_mid_write'])
def test_failure_keeps_old_file_and_removes_temporary(tmp_path, failure):
    path = str(tmp_path / 'a.txt')
    _write_old(path)
    with pytest.raises((RuntimeError, WriteInterrupted)):
        if failure == 'exception':
            with atomic_write(path, 'w') as file:
                file.write('half of the new')
                raise RuntimeError('disk full')
        else:
            with interrupt_writes('a.txt', _interrupt):
                with atomic_write(path, 'w') as file:
                    file.write('new content, cut in the middle')
    with open(path) as file:
        assert file.read() == 'old content'
    assert os.listdir(tmp_path) == ['a.txt']


def test_symlink_keeps_pointing_at_the_new_file(tmp_path):
    target, link = tmp_path / 'target.txt', tmp_path / 'link.txt'
    _write_old(target)
    link.symlink_to(target)
    with atomic_write(link, 'w') as file:
        file.write('new')
    assert link.is_symlink() and target.read_text() == 'new'


def test_non_regular_destination_is_written_in_place():
    with atomic_write(os.devnull, 'w') as file:
        file.write('discarded')
    assert not osp.isfile(os.devnull)


def test_rejects_modes_it_cannot_make_atomic(tmp_path):
    with pytest.raises(ValueError, match='a.txt'):
        with atomic_write(tmp_path / 'a.txt', 'a'):
            pass


def test_open_writing_atomically_reads_like_open(tmp_path):
    path = str(tmp_path / 'a.txt')
    with open_writing_atomically(path, 'w', encoding='utf-8') as file:
        file.write('é')
    with open_writing_atomically(path, 'rb') as file:
        assert file.read() == 'é'.encode()
    with open_writing_atomically(path, 'r', -1, 'utf-8') as file:
        assert file.read() == 'é'


@pytest.mark.parametrize('put', ['put', 'put_text'])
def test_mmengine_file_backend_writes_atomically(tmp_path, put):
    path = str(tmp_path / 'result.json')
    _write_old(path)
    data = 'new' * 100 if put == 'put_text' else b'new' * 100
    with pytest.raises(WriteInterrupted):
        with interrupt_writes('result.json', _interrupt):
            getattr(fileio, put)(data, path)
    with open(path) as file:
        assert file.read() == 'old content'
    assert os.listdir(tmp_path) == ['result.json']


@pytest.mark.parametrize('interrupted_file,nth', [('epoch_2', 1),
                                                  ('last_checkpoint', 2)])
def test_runner_interrupted_while_saving_leaves_complete_files(
        tmp_path, interrupted_file, nth):
    """Training stops halfway through writing epoch 2's checkpoint files.

    epoch_1.pth and a ``last_checkpoint`` naming it are left whole, no
    temporary file remains, and resuming trains on to the end.
    """
    work_dir = str(tmp_path / 'interrupted')
    runner = Runner.from_cfg(Config(toy_runner.toy_config(work_dir, 3)))
    with pytest.raises(WriteInterrupted):
        with interrupt_writes(interrupted_file, _interrupt, nth=nth):
            runner.train()
    names = os.listdir(work_dir)
    assert not [name for name in names if name.endswith('.tmp')]
    for name in names:
        if name.endswith('.pth'):
            loaded = torch.load(osp.join(work_dir, name), weights_only=True)
            assert loaded['meta']['epoch'] == int(name[6:-4])
    with open(osp.join(work_dir, 'last_checkpoint')) as file:
        assert file.read() == osp.join(work_dir, 'epoch_1.pth')

    cfg = Config(toy_runner.toy_config(work_dir, 3))
    cfg.resume = True  # from last_checkpoint
    # A name of its own: Runners of one name share a MessageHub instance.
    cfg.experiment_name += '_resumed'
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.iter == 6
    final = torch.load(osp.join(work_dir, 'epoch_3.pth'), weights_only=True)
    assert final['meta']['epoch'] == 3
