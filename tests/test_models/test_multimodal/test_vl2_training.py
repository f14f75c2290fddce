"""A few optimisation steps of every part-2 model (and stage) on a tiny
batch: losses stay finite, every trained parameter moves, the loss of the
repeated batch goes down."""
import pytest
import torch
from mmengine.optim import build_optim_wrapper

from tests.test_models.test_multimodal.vl2_fixtures import (
    beit3_cfg, coca_cfg, masked_batch, vilt_cfg, visual_tokenizer, vlmo_cfg,
    write_codebook)
from tests.test_models.test_multimodal.vl_fixtures import build


def total(losses):
    return sum(v for k, v in losses.items() if k.startswith('loss'))


@pytest.mark.parametrize('name', [
    'vilt', 'vlmo_mim', 'vlmo_textmlm', 'vlmo', 'beit3_mdm', 'beit3', 'coca'
])
def test_a_few_steps(name, tmp_path):
    codebook = write_codebook(str(tmp_path / 'codebook.pth'))
    cfg = dict(
        vilt=vilt_cfg(mlm_prob=0.5),
        vlmo_mim=vlmo_cfg(tasks=('mim', ),
                          visual_tokenizer=visual_tokenizer(codebook)),
        vlmo_textmlm=vlmo_cfg(tasks=('textmlm', ), mlm_prob=0.5),
        vlmo=vlmo_cfg(mlm_prob=0.5),
        beit3_mdm=beit3_cfg(tasks=('mdm', ), text_mask_prob=0.5,
                            visual_tokenizer=visual_tokenizer(codebook)),
        beit3=beit3_cfg(tasks=('itc', 'itm')),
        coca=coca_cfg())[name]
    model = build(cfg)
    optim = build_optim_wrapper(model, dict(
        optimizer=dict(type='AdamW', lr=3e-3),
        constructor='TrainableParamsOptimWrapperConstructor'))
    images, samples = masked_batch()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    # masking and negatives are random: fix them for the comparison
    torch.manual_seed(0)
    first = float(total(model.loss(images, samples)))
    for step in range(4):
        torch.manual_seed(step)
        losses = model.loss(images, samples)
        assert all(torch.isfinite(v) for v in losses.values()), losses
        optim.update_params(total(losses))
    torch.manual_seed(0)
    last = float(total(model.loss(images, samples)))
    assert last < first
    moved = [n for n, p in model.named_parameters()
             if not torch.equal(p, before[n])]
    assert moved
