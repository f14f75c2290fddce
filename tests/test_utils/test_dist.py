"""Distributed set-up and teardown on a CPU-only machine (gloo)."""
import socket

import pytest
import torch.distributed as torch_dist

from mmvision_plus.utils import teardown_distributed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_teardown_without_a_process_group_does_nothing():
    assert not torch_dist.is_initialized()
    teardown_distributed()
    assert not torch_dist.is_initialized()


def test_teardown_destroys_the_process_group():
    if torch_dist.is_initialized():
        pytest.skip('a process group is already initialised')
    torch_dist.init_process_group(
        backend='gloo', init_method=f'tcp://127.0.0.1:{_free_port()}',
        rank=0, world_size=1)
    try:
        teardown_distributed()
        assert not torch_dist.is_initialized()
    finally:
        if torch_dist.is_initialized():
            torch_dist.destroy_process_group()
