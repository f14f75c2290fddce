"""CLIP on open_clip's classes: strict loading of an open_clip-layout state
dict, ITC training steps, zero-shot classification with prompt ensembles."""
import open_clip
import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

from mmvision_plus.registry import MODELS
from mmvision_plus.utils import register_all_modules

register_all_modules()

CLIP_CFG = dict(embed_dim=16,
                vision_cfg=dict(layers=2, width=32, head_width=16,
                                patch_size=16, image_size=32),
                text_cfg=dict(context_length=24, width=32, heads=2, layers=2))


def build_clip(**kwargs):
    return MODELS.build(dict(type='ClipDualEncoder', clip=CLIP_CFG,
                             max_text_length=24, **kwargs))


def test_loads_open_clip_state_dict_strictly(tmp_path):
    torch.manual_seed(1)
    reference = open_clip.CLIP(**CLIP_CFG).eval()  # open_clip's own layout
    path = tmp_path / 'open_clip.pth'
    torch.save(reference.state_dict(), path)
    torch.manual_seed(2)
    model = build_clip(pretrained=str(path))
    model.init_weights()
    model.eval()
    images = torch.rand(2, 3, 32, 32)
    texts = ['a red circle', 'two shapes']
    tokens = open_clip.tokenize(texts, context_length=24)
    with torch.no_grad():
        assert torch.allclose(model.encode_images(images)['image_feat'],
                              reference.encode_image(images, normalize=True))
        ids, mask = model.tokenize(texts)
        assert torch.equal(ids, tokens)
        assert torch.allclose(model.encode_texts(ids, mask)['text_feat'],
                              reference.encode_text(tokens, normalize=True))
    # strict: a state dict missing a key is refused
    state = reference.state_dict()
    state.pop('text_projection')
    torch.save(state, path)
    with pytest.raises(RuntimeError, match='text_projection'):
        build_clip(pretrained=str(path)).init_weights()


def test_itc_training_steps_use_the_learnable_temperature():
    torch.manual_seed(0)
    model = build_clip()
    model.train()
    samples = [DataSample(text=t, image_id=i) for i, t in
               enumerate(['a red circle', 'a blue square', 'a green star'])]
    optim = build_optim_wrapper(model, dict(
        type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3)))
    scale = model.clip.logit_scale.detach().clone()
    logs = [model.train_step(dict(inputs=torch.rand(3, 3, 32, 32),
                                  data_samples=samples), optim)
            for _ in range(3)]
    assert all(torch.isfinite(log['loss_itc']) for log in logs)
    assert not torch.equal(model.clip.logit_scale.detach(), scale)
    # the loss is ITC with T = 1 / exp(logit_scale)
    with torch.no_grad():
        images = torch.rand(3, 3, 32, 32)
        img = model.encode_images(images)['image_feat']
        txt = model.encode_texts(*model.tokenize(
            [s.text for s in samples]))['text_feat']
        logits = model.logit_scale * img @ txt.t()
        expected = (F.cross_entropy(logits, torch.arange(3)) +
                    F.cross_entropy(logits.t(), torch.arange(3))) / 2
        assert float(model.loss(images, samples)['loss_itc']) == \
            pytest.approx(float(expected), rel=1e-5)


def test_zero_shot_classifier_is_a_prompt_ensemble():
    torch.manual_seed(0)
    model = build_clip().eval()
    templates = ['a photo of a {}.', 'a drawing of a {}.']
    weights = model.zero_shot_classifier(['circle', 'square', 'star'],
                                         templates)
    assert weights.shape == (16, 3)
    assert torch.allclose(weights.norm(dim=0), torch.ones(3))
    with torch.no_grad():
        prompts = [t.format('square') for t in templates]
        feats = model.encode_texts(*model.tokenize(prompts))['text_feat']
        assert torch.allclose(weights[:, 1],
                              F.normalize(feats.mean(0), dim=0), atol=1e-6)
        images = torch.rand(4, 3, 32, 32)
        logits = model.zero_shot_logits(images, weights)
        assert logits.shape == (4, 3)
        assert torch.allclose(
            logits, model.logit_scale *
            model.encode_images(images)['image_feat'] @ weights)
    with pytest.raises(ValueError):
        model.zero_shot_classifier([], templates)
