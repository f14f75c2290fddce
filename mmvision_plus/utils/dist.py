"""Distributed set-up that also works on CPU-only machines (gloo)."""
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> None:
    """Prepare ``cfg`` for a distributed run when CUDA is unavailable.

    mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device`` even for
    the gloo backend, and the Runner wraps the model in DDP with
    ``device_ids=[LOCAL_RANK]``, which CPU modules reject. On a CPU-only
    machine this initialises the gloo process group itself (the Runner then
    skips its own ``init_dist``) and asks for a DDP wrapper without device
    ids. With CUDA available nothing is changed.

    Args:
        cfg (Config): The config; its ``launcher`` must already be set.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    if cfg.launcher != 'pytorch':
        raise ValueError(
            f'launcher={cfg.launcher!r} is not supported on a CPU-only '
            "machine; use 'pytorch' (tools/dist_train.sh / torchrun)")
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        if key not in os.environ:
            raise RuntimeError(
                f'environment variable {key} is not set: start distributed '
                'runs with tools/dist_train.sh or torchrun')
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    wrapper_cfg = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg
    env_cfg = cfg.get('env_cfg') or {}
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    cfg.env_cfg = env_cfg


def teardown_distributed() -> None:
    """Wait for every rank, then destroy the default process group.

    mmengine's Runner leaves the process group to the interpreter's exit.
    With gloo, a rank that exits while another still holds the group's
    threads can abort ("terminate called without an active exception",
    exit code -6) after a run that finished correctly, so ``tools/train.py``
    and ``tools/test.py`` end their distributed runs here. Nothing happens
    in a non-distributed run.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    torch_dist.barrier()
    torch_dist.destroy_process_group()
