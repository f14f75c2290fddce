"""Tiny versions of the demo-world ViLT / VLMo / BEiT-3 / CoCa configs on a
tiny generated demo world (for the tool tests)."""
import os.path as osp
from typing import Optional

from mmengine.config import Config

from tests.conftest import REPO_ROOT
from tests.test_tools.vl_tiny_configs import dump_tiny_run

DEMO_CONFIGS = dict(
    vilt='configs/vilt/vilt_vit-t16_1xb64-15e_demo-world.py',
    vlmo_stage1='configs/vlmo/'
    'vlmo_multiway-t16_1xb64-3e_demo-world-stage1-mim.py',
    vlmo_stage2='configs/vlmo/'
    'vlmo_multiway-t16_1xb64-2e_demo-world-stage2-textmlm.py',
    vlmo_stage3='configs/vlmo/'
    'vlmo_multiway-t16_1xb64-10e_demo-world-stage3.py',
    beit3_pretrain='configs/beit3/'
    'beit3_multiway-t16_1xb64-5e_demo-world-pretrain.py',
    beit3='configs/beit3/beit3_multiway-t16_1xb64-10e_demo-world.py',
    coca='configs/coca/coca_vit-t16_1xb64-15e_demo-world.py',
    coca_caption='configs/coca/coca_vit-t16_1xb64-15e_demo-world-caption.py',
)


def tiny_config(name: str, world: str, out_dir: str,
                codebook: Optional[str] = None,
                init_checkpoint: Optional[str] = None) -> str:
    """Write the tiny variant of a demo config and return its path.

    Args:
        name (str): Key of :data:`DEMO_CONFIGS`.
        world (str): Tiny demo world directory.
        out_dir (str): Where the config goes.
        codebook (str, optional): Visual tokenizer file of the MIM stages.
        init_checkpoint (str, optional): The previous stage's checkpoint.
    """
    cfg = Config.fromfile(osp.join(REPO_ROOT, DEMO_CONFIGS[name]))
    model = cfg.model
    if name == 'vilt':
        model.transformer.update(embed_dims=24, num_layers=1, num_heads=2)
    elif name.startswith('vlmo'):
        model.transformer.update(embed_dims=24, num_layers=2, num_heads=2,
                                 vl_ffn_start=1)
    elif name.startswith('beit3'):
        model.arch.update(encoder_embed_dim=24, encoder_attention_heads=2,
                          encoder_ffn_embed_dim=48, encoder_layers=2)
    else:
        model.clip.embed_dim = 24
        model.clip.vision_cfg.update(layers=1, width=24, head_width=12,
                                     attn_pooler_queries=8,
                                     attn_pooler_heads=2)
        model.clip.text_cfg.update(width=24, heads=2, layers=1)
        model.clip.multimodal_cfg.update(width=24, heads=2, layers=1,
                                         attn_pooler_heads=2)
        model.generation = dict(max_length=8, min_length=2, num_beams=2)
    if 'visual_tokenizer' in model and codebook is not None:
        model.visual_tokenizer.update(codebook=codebook, num_tokens=16)
    if model.get('init_cfg') is not None:  # the previous stage's weights
        if init_checkpoint is None:
            model.init_cfg = None
        else:
            model.init_cfg.checkpoint = init_checkpoint
    if 'rerank_topk' in model and model.rerank_topk:
        model.rerank_topk = 3
    cfg.default_hooks.checkpoint.interval = 1
    for hook in cfg.custom_hooks:
        if hook['type'] == 'RetrievalCostHook':
            hook['num_queries'] = 4
    return dump_tiny_run(cfg, world, out_dir, name)
