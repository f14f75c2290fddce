"""Shared fixtures: a tiny demo world generated once per session."""
import contextlib
import os
import os.path as osp
import sys
from pathlib import Path
from typing import Iterator

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'demo',
                       'fcos_r18_fpn_gn-head_1xb8-12e_demo-world.py')


@pytest.fixture(scope='session')
def demo_world_factory(tmp_path_factory):
    """``make(folder, **options) -> Path``: a demo world generated with
    ``seed=0`` and ``options`` (of ``generate_demo_world``) under a new
    temporary ``<folder>N/demo_world``."""
    from mmvision_plus.datasets.demo_world import generate_demo_world

    def make(folder: str, **options) -> Path:
        out = tmp_path_factory.mktemp(folder) / 'demo_world'
        generate_demo_world(str(out), seed=0, **options)
        return out

    return make


@pytest.fixture(scope='session')
def tiny_demo_world(demo_world_factory):
    """A small demo world (detection part): 16 train / 8 val images, 64 px."""
    return str(demo_world_factory('demo_world', num_train=16, num_val=8,
                                  img_size=64, only=('detection', )))


@pytest.fixture(scope='session')
def tiny_caption_world(demo_world_factory):
    """A small demo world (captions part): 6 train / 3 val scenes of 64 px,
    3 captions each (the vision-language tool tests)."""
    return str(demo_world_factory('vl_world', num_train=6, num_val=3,
                                  img_size=64, captions_per_image=3,
                                  only='captions'))


@pytest.fixture(scope='session')
def python_exe():
    return sys.executable


@pytest.fixture
def subprocess_env():
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO_ROOT + os.pathsep + env.get('PYTHONPATH', '')
    env.setdefault('OMP_NUM_THREADS', '1')
    return env


@contextlib.contextmanager
def default_scope_restored() -> Iterator[None]:
    """Undo the ``DefaultScope`` instances created inside the block.

    A Runner built in-process sets mmengine's global ``DefaultScope`` (to
    ``mmengine`` for configs without ``default_scope``) and leaves it set,
    so without this later registry look-ups depend on test order.
    """
    from mmengine.registry import DefaultScope
    instances = DefaultScope._instance_dict
    names_before = list(instances)
    try:
        yield
    finally:
        for name in [name for name in instances if name not in names_before]:
            del instances[name]
        if names_before:
            instances.move_to_end(names_before[-1])


@pytest.fixture(autouse=True)
def _restore_default_scope():
    """Every test ends with the default scope it started with."""
    with default_scope_restored():
        yield
