"""Shared pieces of the GLEE detector tests: the tiny demo-world configs
of ``tests/data/glee`` and the models built from them."""
import os.path as osp
from typing import Any

import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope

import mmvision_plus
from mmvision_plus.registry import MODELS

mmvision_plus.register_all_modules(init_default_scope=False)
GLEE_TEST_DATA = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'data',
    'glee')
#: The demo-world class names the tests prompt with.
NAMES = ('circle', 'square', 'star')


def build_tiny_glee(config_name: str, **overrides: Any) -> BaseModel:
    """Build and initialise the model of a tiny GLEE test config.

    Args:
        config_name (str): File name under ``tests/data/glee``.
        **overrides: Keys replacing those of the config's ``model``.

    Returns:
        BaseModel: The model (GLEE or GLEEVideo) after ``init_weights``,
        drawn from the global torch RNG.
    """
    cfg = Config.fromfile(osp.join(GLEE_TEST_DATA, config_name))
    cfg.model.update(overrides)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def save_tiny_glee(config_name: str, path: str) -> BaseModel:
    """Build a tiny GLEE test model and save it as a checkpoint file.

    Args:
        config_name (str): File name under ``tests/data/glee``.
        path (str): Where to write ``dict(state_dict=..., meta={})``.

    Returns:
        BaseModel: The saved model.
    """
    model = build_tiny_glee(config_name)
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return model
