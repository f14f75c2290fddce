"""Tiny versions of the demo-world CLIP / ALBEF / BLIP configs on a tiny
generated demo world, and that world's validation images and captions (for
the tool tests)."""
import json
import os.path as osp
from typing import List, Tuple

from mmengine.config import Config

from mmvision_plus.apis import list_images

from tests.conftest import REPO_ROOT

DEMO_CONFIGS = dict(
    clip='configs/clip/clip_vit-t16-text-t_1xb64-20e_demo-world.py',
    albef='configs/albef/albef_vit-t16-bert-t_1xb64-15e_demo-world.py',
    blip='configs/blip/blip_vit-t16-med-t_1xb64-15e_demo-world.py',
    blip_caption='configs/blip/'
    'blip_vit-t16-med-t_1xb64-15e_demo-world-caption.py',
)
TINY_BERT = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                 intermediate_size=64)


def tiny_config(name: str, world: str, out_dir: str) -> str:
    """Write the tiny variant of a demo config and return its path."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, DEMO_CONFIGS[name]))
    model = cfg.model
    if name == 'clip':
        model.clip.embed_dim = 16
        model.clip.vision_cfg.update(layers=1, width=32, head_width=16)
        model.clip.text_cfg.update(width=32, heads=2, layers=1)
    else:
        model.visual_encoder.update(embed_dims=24, num_layers=1, num_heads=2)
        model.text_encoder.arch.update(TINY_BERT)
        model.embed_dim = 16
        model.queue_size = 8
        model.rerank_topk = 3
        if name == 'albef':
            model.text_encoder.cross_attention_from = 1
        else:
            model.text_decoder.arch.update(TINY_BERT)
            model.generation = dict(max_length=8, min_length=2)
    return dump_tiny_run(cfg, world, out_dir, name)


def dump_tiny_run(cfg: Config, world: str, out_dir: str, name: str) -> str:
    """One epoch on the tiny world (batches of 4, no workers, a constant
    lr, every iteration logged), written to ``out_dir/tiny_<name>.py``."""
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(loader) is None:
            continue
        cfg[loader].update(batch_size=4, num_workers=0,
                           persistent_workers=False)
        cfg[loader].dataset.data_root = world + '/'
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 1
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
    cfg.default_hooks.logger.interval = 1
    path = osp.join(out_dir, f'tiny_{name}.py')
    cfg.dump(path)
    return path


def val_images_and_captions(world: str) -> Tuple[List[str], List[str]]:
    """The image files of the world's validation split and the first
    caption of every record of its ``retrieval_val.json``."""
    with open(osp.join(world, 'annotations', 'retrieval_val.json')) as f:
        captions = [record['caption'][0] for record in json.load(f)]
    return list_images([osp.join(world, 'images', 'val')]), captions
