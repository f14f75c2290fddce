"""GLEE visual prompts: every prompt type (clicks positive and negative,
boxes, scribbles, masks) rasterized, encoded as point tokens with a sign,
cropped as a template; training prompts per the official recipe; bad
prompts named."""
import numpy as np
import pytest
import torch

from mmvision_plus.models.layers import (GLEEVisualPrompter, VisualPrompt,
                                         VisualPromptError)
from mmvision_plus.models.layers.glee_visual_prompt import (
    crop_template, point_radius_of, region_box, subsample_points)


def test_clicks_positive_and_negative_become_squares():
    prompt = VisualPrompt(points=[[10, 20], [30, 5]], point_labels=[1, 0])
    assert prompt.mode == 'point'
    pos, neg = prompt.rasterize((40, 50), (1., 1.), (2, 3))
    ys, xs = np.nonzero(pos)
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (18, 22, 7, 13)
    ys, xs = np.nonzero(neg)
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (3, 7, 27, 33)
    # coordinates follow the resize (x2 here)
    pos, _ = prompt.rasterize((80, 100), (2., 2.), (0, 0))
    assert np.argwhere(pos).tolist() == [[40, 20]]


def test_negative_regions_carve_the_positive_one():
    mask = np.zeros((20, 20), bool)
    mask[2:18, 2:18] = True
    prompt = VisualPrompt(mask=mask, points=[[10, 10]], point_labels=[0])
    assert prompt.mode == 'mask'
    pos, neg = prompt.rasterize((20, 20), (1., 1.), (1, 1))
    assert neg[9:12, 9:12].all() and neg.sum() == 9
    assert not (pos & neg).any()
    assert pos.sum() == 16 * 16 - 9


def test_boxes_scribbles_masks():
    box = VisualPrompt(boxes=[[4, 2, 10, 6]])
    assert box.mode == 'box'
    pos, neg = box.rasterize((12, 16), (1., 1.), (1, 1))
    assert np.argwhere(pos).min(0).tolist() == [2, 4]
    assert np.argwhere(pos).max(0).tolist() == [5, 9]
    assert pos.sum() == 4 * 6 and not neg.any()
    scribble = VisualPrompt(scribbles=[[[2, 8], [13, 8]]])
    assert scribble.mode == 'scribble'
    pos, _ = scribble.rasterize((16, 16), (1., 1.), (1, 1))
    assert pos[7:10, 2:14].all() and not pos[:6].any()
    negative = VisualPrompt(points=[[1, 1]], scribbles=[[[0, 5], [9, 5]]],
                            scribble_labels=[0])
    pos, neg = negative.rasterize((10, 10), (1., 1.), (0, 0))
    assert neg[5].all() and pos.sum() == 1
    mask = np.zeros((10, 20), bool)
    mask[:, :10] = True
    pos, _ = VisualPrompt(mask=mask).rasterize((5, 10), (.5, .5), (0, 0))
    assert pos[:, :5].all() and not pos[:, 5:].any()


def test_bad_prompts_are_named():
    with pytest.raises(VisualPromptError, match='outside'):
        VisualPrompt(points=[[50, 5]]).validate((20, 40))
    with pytest.raises(VisualPromptError, match='outside'):
        VisualPrompt(boxes=[[0, 0, 10, 30]]).validate((20, 40))
    with pytest.raises(VisualPromptError, match='x2 <= x1'):
        VisualPrompt(boxes=[[10, 0, 5, 8]]).validate((20, 40))
    with pytest.raises(VisualPromptError, match='scribble leaves'):
        VisualPrompt(scribbles=[[[1, 1], [1, 25]]]).validate((20, 40))
    with pytest.raises(VisualPromptError, match='mask is'):
        VisualPrompt(mask=np.ones((4, 4), bool)).validate((20, 40))
    with pytest.raises(VisualPromptError, match='nothing positive'):
        VisualPrompt(points=[[1, 1]], point_labels=[0])
    with pytest.raises(VisualPromptError, match='point_labels'):
        VisualPrompt(points=[[1, 1]], point_labels=[1, 0])
    with pytest.raises(VisualPromptError, match='shape'):
        VisualPrompt(boxes=[[1, 2, 3]])


@pytest.fixture
def prompter():
    torch.manual_seed(0)
    prompter = GLEEVisualPrompter(in_channels=[8, 16, 32], embed_dims=8,
                                  max_points=3, template_size=16)
    prompter.init_weights()
    return prompter.eval()


def test_point_tokens_sample_the_levels_with_a_sign(prompter):
    levels = [torch.randn(1, 8, 4, 4), torch.randn(1, 8, 8, 8),
              torch.randn(1, 8, 16, 16), torch.randn(1, 8, 32, 32)]
    pos = torch.zeros(1, 16, 16, dtype=torch.bool)
    neg = torch.zeros_like(pos)
    pos[0, 0, 0] = True  # one positive pixel, one negative
    neg[0, 15, 15] = True
    tokens, masks = prompter.point_tokens(levels, pos, neg)
    assert len(tokens) == 3 and all(m.all() for m in masks)
    for level, (tok, lvl) in enumerate(zip(tokens, levels)):
        assert tok.shape == (1, 2, 8)
        feats = lvl[0].permute(1, 2, 0) @ prompter.spatial_embeds[level]
        # official sampling: pixel index / size, align_corners=True
        assert torch.allclose(tok[0, 0], feats[0, 0] +
                              prompter.pn_indicator.weight[0], atol=1e-5)
    # the negative token differs from the same feature with a + sign
    neg_only = prompter.point_tokens(levels, neg, pos)[0][0]
    assert not torch.allclose(neg_only[0, 0], tokens[0][0, 1])
    assert torch.allclose(neg_only[0, 0] - tokens[0][0, 1],
                          prompter.pn_indicator.weight[0] -
                          prompter.pn_indicator.weight[1], atol=1e-5)


def test_point_tokens_are_capped_and_padded(prompter):
    levels = [torch.randn(2, 8, 4, 4)] * 4
    pos = torch.zeros(2, 8, 8, dtype=torch.bool)
    pos[0, :4, :4] = True  # 16 pixels -> 3 tokens
    pos[1, 0, 0] = True  # 1 token
    tokens, masks = prompter.point_tokens(levels, pos, torch.zeros_like(pos))
    assert tokens[0].shape == (2, 3, 8)
    assert masks[0].tolist() == [[True] * 3, [True, False, False]]
    assert (tokens[0][1, 1:] == 0).all()
    coords = torch.arange(10)[:, None].repeat(1, 2)
    assert subsample_points(coords, 4, random=False)[:, 0].tolist() == [
        0, 3, 6, 9]
    assert len(subsample_points(coords, 4, random=True).unique(dim=0)) == 4


def test_template_crop_is_twice_the_box_resized(prompter):
    image = torch.arange(40 * 40, dtype=torch.float).view(1, 40, 40).repeat(
        3, 1, 1)
    region = torch.zeros(40, 40, dtype=torch.bool)
    region[10:20, 10:20] = True  # box 9 x 9 -> crop side 18 at (6, 6)
    crop = crop_template(image, region, False, 18)
    assert torch.equal(crop, image[:, 6:24, 6:24])
    added = crop_template(image, region, True, 18)
    assert torch.equal(added - crop, region[6:24, 6:24].float().expand(
        3, -1, -1))
    assert region_box(region) == (10, 10, 19, 19)
    assert region_box(torch.zeros(4, 4, dtype=torch.bool)) is None
    assert point_radius_of((160, 200)) == (4, 5)
    assert point_radius_of((20, 20)) == (1, 1)
    feats = [torch.randn(2, 4, 8, 8), torch.randn(2, 8, 4, 4),
             torch.randn(2, 16, 2, 2), torch.randn(2, 32, 1, 1)]
    tokens = prompter.template_tokens(
        lambda x: feats, torch.randn(2, 3, 40, 40),
        torch.stack([region, region]), ['mask', 'point'])
    assert tokens.shape == (2, 16, 8)  # the 4 x 4 map of the three coarsest


@pytest.mark.parametrize('mode', ['mask', 'point', 'box'])
def test_training_prompts_follow_the_official_recipe(mode):
    torch.manual_seed(1)
    gt = torch.zeros(40, 40, dtype=torch.bool)
    gt[10:20, 12:30] = True
    prompt = GLEEVisualPrompter.training_prompt(gt, mode, 1.0, (1, 1))
    if mode == 'mask':
        assert torch.equal(prompt['pos'], gt)
    elif mode == 'box':
        assert prompt['pos'].sum() == 10 * 18 and (prompt['pos'] | gt).sum(
        ) == 10 * 18
        assert torch.equal(prompt['template_region'], gt)
    else:
        # a 3 x 3 click inside the object, a negative click outside it
        assert 0 < prompt['pos'].sum() <= 9 and (prompt['pos'] & gt).any()
        assert prompt['neg'].sum() > 0
        centre = torch.nonzero(prompt['neg']).float().mean(0).round().long()
        assert not gt[centre[0], centre[1]]
        assert not (prompt['pos'] & prompt['neg']).any()


def test_mode_probabilities_are_checked():
    with pytest.raises(ValueError, match='mode_probs'):
        GLEEVisualPrompter([8, 16, 32], mode_probs=dict(mask=0.5, box=0.2))
    with pytest.raises(ValueError, match='mode_probs'):
        GLEEVisualPrompter([8, 16, 32],
                           mode_probs=dict(mask=1.2, point=-0.2))
    with pytest.raises(ValueError, match='neg_click_prob must be in'):
        GLEEVisualPrompter([8, 16, 32], neg_click_prob=1.5)
    with pytest.raises(ValueError, match='prompt_prob must be in'):
        GLEEVisualPrompter([8, 16, 32], prompt_prob=-0.1)
    with pytest.raises(ValueError, match='in_channels'):
        GLEEVisualPrompter([8, 16])
