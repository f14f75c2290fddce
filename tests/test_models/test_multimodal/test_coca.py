"""CoCa on open_clip: one forward pass gives both losses (equal to two
separate computations), open_clip state dicts load strictly, captions and
zero-shot classification."""
import pytest
import torch
import torch.nn.functional as F

from tests.test_models.test_multimodal.vl2_fixtures import (
    coca_cfg, coca_open_clip_cfg)
from tests.test_models.test_multimodal.vl_fixtures import build


def test_one_forward_gives_both_losses(train_batch):
    model = build(coca_cfg())
    images, samples = train_batch
    encoder_calls = []
    model.clip.visual.register_forward_hook(
        lambda *args: encoder_calls.append(1))
    model.clip.text.register_forward_hook(
        lambda *args: encoder_calls.append(2))
    losses = model.loss(images, samples)
    assert encoder_calls == [1, 2]  # each tower ran once
    # the contrastive loss computed on its own (CLIP's InfoNCE)
    ids, _ = model.tokenize(model.texts_of(samples), pad_to_longest=True)
    with torch.no_grad():
        image_latent, image_embs = model.clip._encode_image(images)
        text_latent, token_embs = model.clip._encode_text(ids)
        logits = model.logit_scale * image_latent.reshape(4, -1) @ \
            text_latent.t()
        target = torch.arange(4)
        contrastive = (F.cross_entropy(logits, target) +
                       F.cross_entropy(logits.t(), target)) / 2
        # the captioning loss on its own: teacher forcing, padding ignored
        caption_logits = model.clip.text_decoder(image_embs,
                                                 token_embs[:, :-1])
        caption = F.cross_entropy(caption_logits.flatten(0, 1),
                                  ids[:, 1:].flatten(), ignore_index=0)
    torch.testing.assert_close(losses['loss_contrastive'], contrastive)
    torch.testing.assert_close(losses['loss_caption'], 2.0 * caption)
    weighted = build(coca_cfg(contrastive_loss_weight=0.5,
                              caption_loss_weight=1.0))
    weighted_losses = weighted.loss(images, samples)
    torch.testing.assert_close(weighted_losses['loss_caption'] * 2,
                               losses['loss_caption'])


def test_paper_pooling_gives_one_contrastive_query(test_batch):
    model = build(coca_cfg()).eval()
    images, samples = test_batch
    with torch.no_grad():
        latent, tokens = model.clip._encode_image(images)
        feats = model.extract_feat(images, samples)
    assert tokens.shape == (2, 8, 24) and latent.shape == (2, 1, 24)
    assert feats['image_feat'].shape == (2, 24)
    assert model.clip.visual.attn_pool_contrastive.query.shape == (1, 24)
    with pytest.raises(ValueError, match='vision_cfg.width == embed_dim'):
        cfg = coca_open_clip_cfg()
        cfg['vision_cfg']['width'] = 32
        build(coca_cfg(clip=cfg))


def test_open_clip_state_dict_loads_strictly(tmp_path, test_batch):
    import open_clip
    cfg = coca_open_clip_cfg(attentional_pool=True)
    torch.manual_seed(7)
    reference = open_clip.CoCa(**cfg).eval()
    path = tmp_path / 'coca.pth'
    torch.save(reference.state_dict(), path)
    model = build(coca_cfg(clip=cfg, pretrained=str(path))).eval()
    images, samples = test_batch
    ids, _ = model.tokenize(model.texts_of(samples))
    with torch.no_grad():
        torch.testing.assert_close(
            model.encode_images(images)['image_feat'],
            reference.encode_image(images, normalize=True))
        torch.testing.assert_close(
            model.encode_texts(ids, None)['text_feat'],
            reference.encode_text(ids, normalize=True))
    broken = dict(reference.state_dict())
    broken.pop('text_decoder.text_projection')
    torch.save(broken, path)
    with pytest.raises(RuntimeError, match='text_projection'):
        model.load_open_clip_checkpoint(str(path))


def test_a_fresh_decoder_is_initialised():
    """open_clip leaves the decoder's text_projection as torch.empty."""
    model = build(coca_cfg())
    projection = model.clip.text_decoder.text_projection
    assert torch.isfinite(projection).all()
    assert projection.abs().max() < 2.0 and projection.std() > 0


def test_captions_respect_length_and_eos(test_batch):
    model = build(coca_cfg()).eval()
    images, _ = test_batch
    captions = model.caption(images, strategy='greedy', max_length=4,
                             min_length=0)
    assert len(captions) == 2 and all(len(c.split()) <= 3 for c in captions)
    eos = model.tokenizer.eos_token_id
    decoder = model.clip.text_decoder
    with torch.no_grad():  # every position predicts EOS
        decoder.ln_final.weight.zero_()
        decoder.ln_final.bias.fill_(1.0)
        decoder.text_projection.zero_()
        decoder.text_projection[:, eos] = 1.0
    for strategy in ('greedy', 'beam'):
        assert model.caption(images, strategy=strategy, min_length=0) == [
            '', ''
        ]
    # the model's own settings (min_length 2: EOS forbidden after BOS)
    samples = model.predict(images)
    assert [len(s.pred_caption.split()) for s in samples] == [1, 1]


def test_zero_shot_classifier_is_clip_s(test_batch):
    model = build(coca_cfg()).eval()
    images, _ = test_batch
    weights = model.zero_shot_classifier(['circle', 'square', 'star'],
                                         ['a {}', 'a red {}'])
    assert weights.shape == (24, 3)
    torch.testing.assert_close(weights.norm(dim=0), torch.ones(3))
    logits = model.zero_shot_logits(images, weights)
    assert logits.shape == (2, 3)
