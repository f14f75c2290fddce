"""GLEEVideo: the contrastive tracking loss on hand-made embeddings, video
training steps, VIS / R-VOS / VOS inference on a generated clip, and the
visual-prompt batches of the image model."""
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample, TrackDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.structures import InstanceData

from mmvision_plus.models.detectors import GLEEVideo, PromptError
from mmvision_plus.models.layers import VisualPrompt, VisualPromptError
from tests.test_models.test_detectors.glee_fixtures import (
    NAMES, build_tiny_glee)

H, W = 64, 96


def build(**overrides) -> GLEEVideo:
    return build_tiny_glee('glee_tiny_video_demo-world.py', **overrides)


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return build()


def frame(t: int, task='instance', texts=NAMES, ids=(7, 9),
          with_gt=True) -> DetDataSample:
    """Two boxes moving right by 3 px a frame (box-shaped masks)."""
    boxes = torch.tensor([[8. + 3 * t, 8., 30. + 3 * t, 40.],
                          [50., 20., 80., 50.]])[:len(ids)]
    sample = DetDataSample(metainfo=dict(
        img_shape=(H, W), batch_input_shape=(H, W), ori_shape=(H, W),
        pad_shape=(H, W), scale_factor=(1., 1.), img_path=f'{t}.jpg',
        text=tuple(texts), task=task, dn_table='demo_world' if len(texts) > 1
        else 'grounding', frame_id=t))
    if with_gt:
        masks = np.zeros((len(boxes), H, W), np.uint8)
        for i, b in enumerate(boxes.long()):
            masks[i, b[1]:b[3], b[0]:b[2]] = 1
        sample.gt_instances = InstanceData(
            bboxes=boxes, labels=torch.tensor([0, len(texts) - 1][:len(ids)]),
            masks=BitmapMasks(masks, H, W),
            instances_ids=torch.tensor(ids))
    return sample


def video(num_frames: int, **kwargs) -> TrackDataSample:
    sample = TrackDataSample()
    sample.video_data_samples = [frame(t, **kwargs)
                                 for t in range(num_frames)]
    return sample


def test_contrastive_loss_on_hand_made_embeddings():
    model = build(num_track_negatives=0)
    e = torch.eye(4)
    # video of 2 frames, 4 queries; instances 5 and 6 matched to queries
    # (0, 1) in frame 0 and (2, 3) in frame 1
    embeds = torch.stack([e, e]) * 10
    embeds[1, 2], embeds[1, 3] = embeds[0, 0], embeds[0, 1]
    matches = [(torch.tensor([0, 1]), torch.tensor([5, 6])),
               (torch.tensor([2, 3]), torch.tensor([5, 6]))]
    aligned = model.contrastive_loss(embeds, matches, 1, 2)
    # each key row: positive logit 100, negative 0 -> log(1 + e^-100)
    assert aligned < 1e-6
    swapped = [matches[0], (torch.tensor([2, 3]), torch.tensor([6, 5]))]
    # positive 0, negative 100: log(1 + e^100) = 100 per row, weight 2
    assert torch.isclose(model.contrastive_loss(embeds, swapped, 1, 2),
                         torch.tensor(200.), rtol=1e-4)
    # a new instance in frame 1 has no positive: its row is skipped
    new = [matches[0], (torch.tensor([2, 3]), torch.tensor([5, 8]))]
    assert model.contrastive_loss(embeds, new, 1, 2) < 1e-6
    # hand computation with negatives: logits of key 0 against refs
    model.num_track_negatives = 2
    embeds = torch.randn(2, 4, 3)
    matches = [(torch.tensor([0]), torch.tensor([5])),
               (torch.tensor([1]), torch.tensor([5]))]
    loss = model.contrastive_loss(embeds, matches, 1, 2)
    logits = embeds[1, 1] @ embeds[0].t()  # refs: 0 (positive), 1..3
    negatives = logits[1:]
    expected = 2 * torch.log1p(torch.exp(negatives - logits[0]).sum())
    # two of the three unmatched queries are drawn as negatives
    assert loss <= expected + 1e-5
    assert loss >= 2 * torch.log1p(torch.exp(negatives - logits[0]).sort()[
        0][:2].sum()) - 1e-5


def test_video_training_steps():
    torch.manual_seed(0)
    model = build()
    model.train()
    optim = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for _ in range(2):
        losses = model.loss(torch.randn(2, 2, 3, H, W), [video(2), video(2)])
        assert 'loss_track' in losses and 'loss_mask' in losses
        assert losses['loss_track'] > 0
        total = sum(v for k, v in losses.items() if 'loss' in k)
        optim.zero_grad()
        total.backward()
        optim.step()
        assert torch.isfinite(total)
    with pytest.raises(ValueError, match='video batches'):
        model.loss(torch.randn(2, 3, H, W), [video(2)])
    bad = video(2)
    del bad.video_data_samples[0].gt_instances.instances_ids
    with pytest.raises(KeyError, match='instances_ids'):
        model.loss(torch.randn(1, 2, 3, H, W), [bad])


def test_vis_inference_tracks_a_generated_clip(model):
    model.eval()
    torch.manual_seed(0)
    clip = torch.randn(1, 5, 3, H, W)
    with torch.no_grad():
        out = model.predict(clip, [video(5, with_gt=False)])
    frames = out[0].video_data_samples
    assert len(frames) == 5
    ids = [set(f.pred_track_instances.instances_id.tolist()) for f in frames]
    for f in frames:
        pred = f.pred_track_instances
        assert len(pred) <= 5  # max_tracks
        assert pred.masks.shape[1:] == (H, W)
        assert set(pred.labels.tolist()) <= {0, 1, 2}
        assert (pred.frame_scores <= 1).all() and (pred.scores > 0).all()
    # a kept track carries its video score on every frame it is in
    first = frames[0].pred_track_instances
    for f in frames[1:]:
        pred = f.pred_track_instances
        for i, s in zip(pred.instances_id.tolist(), pred.scores.tolist()):
            if i in first.instances_id.tolist():
                k = first.instances_id.tolist().index(i)
                assert s == pytest.approx(float(first.scores[k]))
    assert len(set.union(*ids)) <= 5
    # windows of 2 frames give the same result as windows of 5
    model.window_size = 5
    with torch.no_grad():
        again = model.predict(clip, [video(5, with_gt=False)])
    model.window_size = 2
    for a, b in zip(frames, again[0].video_data_samples):
        assert torch.equal(a.pred_track_instances.instances_id,
                           b.pred_track_instances.instances_id)
    # no association: the same detections, new identities every frame
    model.tracker_cfg = dict(type='GLEEQueryTracker', association='none')
    with torch.no_grad():
        baseline = model.predict(clip, [video(5, with_gt=False)])
    model.tracker_cfg = dict(type='GLEEQueryTracker')
    seen = set()
    for a, b in zip(frames, baseline[0].video_data_samples):
        a, b = a.pred_track_instances, b.pred_track_instances
        assert torch.equal(a.masks, b.masks) and torch.equal(a.scores,
                                                             b.scores)
        ids = set(b.instances_id.tolist())
        assert len(ids) == len(b) and not ids & seen
        seen |= ids


def test_rvos_keeps_the_best_track_and_vos_each_prompted_object(model):
    model.eval()
    clip = torch.randn(1, 4, 3, H, W)
    with torch.no_grad():
        out = model.predict(clip, [video(4, task='grounding',
                                         texts=('the red circle', ),
                                         with_gt=False)])
    ids = {i for f in out[0].video_data_samples
           for i in f.pred_track_instances.instances_id.tolist()}
    assert len(ids) <= 1
    # VOS from GT: objects 7 and 9, each from its first frame on
    clip_video = video(4, task='interactive')
    with torch.no_grad():
        out = model.predict(clip, [clip_video])
    for f in out[0].video_data_samples:
        pred = f.pred_track_instances
        assert set(pred.instances_id.tolist()) <= {7, 9}
        assert (pred.labels == 0).all()
    # VOS from a user's first-frame prompt: object id 0
    user = video(4, task='interactive', with_gt=False)
    user.video_data_samples[0].set_metainfo(
        dict(visual_prompt=VisualPrompt(points=[[20, 20]])))
    with torch.no_grad():
        out = model.predict(clip, [user])
    assert {i for f in out[0].video_data_samples
            for i in f.pred_track_instances.instances_id.tolist()} <= {0}
    # without a prompt nor GT: a named error
    with pytest.raises(PromptError, match='visual_prompt'):
        model.predict(clip, [video(4, task='interactive', with_gt=False)])


def test_visual_prompt_batches_of_the_image_model():
    torch.manual_seed(0)
    model = build(visual_prompter=dict(
        in_channels=[32, 64, 128], template_size=32, max_points=16,
        prompt_prob=1.0))
    model.train()
    images = torch.randn(2, 3, H, W)
    losses, outputs = super(GLEEVideo, model).loss_and_outputs(
        images, [frame(0), frame(1)])
    # one GT object per image is the prompt and the only target
    assert [len(s.gt_instances) for s in outputs['data_samples']] == [1, 1]
    assert outputs['prompts']['task'] == 'interactive'
    assert 'loss_conf' in losses and 'enc_loss_conf' in losses
    # template tokens joined the early-fusion tokens (4 x 4 template map)
    assert outputs['prompts']['fusion_feats'].shape[1] == 9 + 16
    # the decoder got one token set per level (3 levels)
    assert len(outputs['prompts']['visual']['point_tokens']) == 3
    model.eval()
    sample = frame(0, task='interactive', with_gt=False)
    sample.set_metainfo(dict(visual_prompt=VisualPrompt(
        points=[[15, 20], [60, 30]], point_labels=[1, 0])))
    with torch.no_grad():
        result = super(GLEEVideo, model).predict(images[:1], [sample])[0]
    pred = result.pred_instances
    assert len(pred) == 1 and pred.labels.tolist() == [0]
    assert pred.masks.shape == (1, H, W)
    # the score is the confidence of the answer
    outside = frame(0, task='interactive', with_gt=False)
    outside.set_metainfo(dict(visual_prompt=VisualPrompt(
        points=[[200, 20]])))
    with pytest.raises(VisualPromptError, match='outside'):
        super(GLEEVideo, model).predict(images[:1], [outside])
    mixed = frame(1, task='interactive', with_gt=False)
    with pytest.raises(VisualPromptError, match='mixes'):
        super(GLEEVideo, model).predict(images, [sample, mixed])
