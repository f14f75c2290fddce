"""GLEE: shapes through the pipeline, text-scored classes, matching and
losses on hand-made targets, denoising queries, prompt tokens, tasks."""
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.structures import InstanceData

from mmvision_plus.models.detectors import GLEE, PromptError
from mmvision_plus.models.layers import (DenoisingTableError,
                                         GLEEDecoderLayer,
                                         GLEEDenoisingQueryGenerator)
from tests.test_models.test_detectors.glee_fixtures import (
    NAMES, build_tiny_glee)

H, W = 96, 128


def build_tiny() -> GLEE:
    return build_tiny_glee('glee_tiny_demo-world.py')


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return build_tiny()


def make_sample(texts=NAMES, task='instance', table='demo_world', boxes=None,
                labels=None, masks=True) -> DetDataSample:
    """A sample with box-shaped GT masks, image (H, W), no padding."""
    boxes = torch.tensor([[10., 10., 50., 60.], [60., 20., 120., 90.]]
                         if boxes is None else boxes).reshape(-1, 4)
    labels = torch.tensor([0, len(texts) - 1][:len(boxes)]
                          if labels is None else labels)
    sample = DetDataSample(metainfo=dict(
        img_shape=(H, W), batch_input_shape=(H, W), ori_shape=(H, W),
        pad_shape=(H, W), scale_factor=(1., 1.), img_path='x.png',
        text=tuple(texts), task=task, dn_table=table))
    gt = InstanceData(bboxes=boxes, labels=labels)
    if masks:
        bitmaps = torch.zeros(len(boxes), H, W, dtype=torch.uint8)
        for i, b in enumerate(boxes.long()):
            bitmaps[i, b[1]:b[3], b[0]:b[2]] = 1
        gt.masks = BitmapMasks(bitmaps.numpy(), H, W)
    sample.gt_instances = gt
    return sample


def grounding_sample(expression='the red circle left of the square'):
    return make_sample(texts=(expression, ), task='grounding',
                       table='grounding', boxes=[[10., 10., 50., 60.]],
                       labels=[0])


def test_shapes_through_every_stage(model):
    model.train()
    x = torch.randn(2, 3, H, W)
    samples = [make_sample(), make_sample()]
    feats = model.extract_feat(x)
    assert [f.shape[1] for f in feats] == [16, 32, 64, 128]
    prompts = model.encode_prompts(samples)
    assert prompts['class_embeds'].shape == (2, 3, 32)
    assert prompts['class_mask'].all()
    # circle / square / star: 3 tokens each (start, word, end)
    assert prompts['fusion_feats'].shape == (2, 9, 32)
    enc_in, dec_in = model.pre_transformer(feats, samples, prompts)
    # s8, s16, s32 + the extra s64 level: 12x16 + 6x8 + 3x4 + 2x2
    assert enc_in['spatial_shapes'].tolist() == [[12, 16], [6, 8], [3, 4],
                                                 [2, 2]]
    assert enc_in['feat'].shape == (2, 256, 32)
    enc_out = model.forward_encoder(**enc_in)
    assert enc_out['memory'].shape == (2, 256, 32)
    assert enc_out['mask_features'].shape == (2, 32, H // 4, W // 4)
    dec_extra, head_in = model.pre_decoder(
        **enc_out, batch_data_samples=samples, prompts=prompts)
    num_dn = head_in['dn_meta']['num_denoising_queries']
    assert num_dn > 0
    assert dec_extra['query'].shape == (2, num_dn + 20, 32)
    assert dec_extra['reference_points'].shape == (2, num_dn + 20, 4)
    assert dec_extra['dn_mask'].shape == (num_dn + 20, num_dn + 20)
    assert head_in['enc_outputs']['cls'].shape == (2, 20, 3)
    assert head_in['enc_outputs']['masks'].shape == (2, 20, H // 4, W // 4)
    dec_in.update(dec_extra)
    dec_out = model.forward_decoder(**dec_in)
    assert dec_out['hidden_states'].shape == (2, 2, num_dn + 20, 32)
    assert len(dec_out['references']) == 3
    outs = model.bbox_head(
        hidden_states=dec_out['hidden_states'],
        references=dec_out['references'], query_init=dec_out['query_init'],
        query_norm=model.decoder.norm, class_embeds=prompts['class_embeds'],
        mask_features=enc_out['mask_features'], num_denoising=num_dn)
    assert len(outs) == 3  # initial queries + 2 layers
    for out in outs:
        assert out['cls'].shape == (2, num_dn + 20, 3)
        assert out['boxes'].shape == (2, num_dn + 20, 4)
        assert out['conf'].shape == (2, num_dn + 20, 1)
        assert out['masks'].shape == (2, 20, H // 4, W // 4)  # no dn masks


def test_decoder_reads_the_levels_coarse_to_fine():
    shapes = torch.tensor([[2, 2], [1, 2], [1, 1]])
    memory = torch.arange(7.).view(1, 7, 1)
    mask = torch.tensor([[0, 0, 0, 1, 0, 1, 0]]).bool()
    ratios = torch.tensor([[[1., .5], [1., .6], [1., .7]]])
    out = GLEE.coarse_to_fine(memory, mask, shapes, ratios)
    assert out[0].flatten().tolist() == [6, 4, 5, 0, 1, 2, 3]
    assert out[1].flatten().tolist() == [0, 0, 1, 0, 0, 0, 1]
    assert out[2].tolist() == [[1, 1], [1, 2], [2, 2]]
    assert out[3].tolist() == [0, 1, 3]
    assert out[4][0, :, 1].tolist() == pytest.approx([.7, .6, .5])


@pytest.mark.parametrize('num_classes', [1, 3, 150])
def test_class_head_scores_any_number_of_prompts(model, num_classes):
    model.eval()
    names = tuple(f'class {i}' for i in range(num_classes))
    samples = [make_sample(names), make_sample(names)]
    with torch.no_grad():
        cls, boxes, masks = model._forward(torch.randn(2, 3, H, W), samples)
        results = model.predict(torch.randn(2, 3, H, W), samples)
    assert cls.shape == (2, 20, num_classes)
    assert boxes.shape == (2, 20, 4) and masks.shape[:2] == (2, 20)
    labels = results[0].pred_instances.labels
    assert len(labels) == min(10, 20 * num_classes)
    assert labels.max() < num_classes


def test_a_class_score_does_not_depend_on_the_other_classes():
    torch.manual_seed(1)
    head = build_tiny().bbox_head
    with torch.no_grad():  # trained-like weights (they start at zero)
        head.class_projection.normal_()
    queries = torch.randn(2, 20, 32)
    prompts = torch.randn(2, 150, 32)
    full = head.class_logits(queries, prompts)
    for subset in ([7], [3, 100, 42], list(range(150))[::-1]):
        part = head.class_logits(queries, prompts[:, subset])
        torch.testing.assert_close(part, full[:, :, subset])
    # (q @ W) . e, no normalisation or temperature, plus the demo config's
    # one scalar prior bias (same for every class)
    torch.testing.assert_close(
        full, (queries @ head.class_projection) @ prompts.transpose(1, 2) +
        head.class_bias)


def _perfect_outputs(head, gt, img_meta, num_queries=6, wrong=False):
    """Predictions where queries 2 and 4 are exactly the two targets (the
    masks at the targets' resolution: the head samples both at the same
    normalised points); ``wrong`` shifts their boxes and masks."""
    cls = torch.full((1, num_queries, 3), -12.)
    boxes = torch.rand(1, num_queries, 4) * 0.3 + 0.2
    masks = torch.full((1, num_queries, H, W), -20.)
    target_boxes = head._normalised_gt_boxes(gt, img_meta)
    for query, target in ((2, 0), (4, 1)):
        cls[0, query, gt.labels[target]] = 12.
        boxes[0, query] = target_boxes[target] + (0.1 if wrong else 0)
        mask = torch.from_numpy(gt.masks.masks[target]).bool()
        if wrong:
            mask = mask.roll(shifts=(20, 20), dims=(0, 1))
        masks[0, query][mask] = 20.
    return dict(cls=cls, boxes=boxes, masks=masks, conf=torch.zeros(1, 6, 1))


def test_matching_and_losses_on_hand_made_targets(model):
    torch.manual_seed(0)
    head = model.bbox_head
    sample = make_sample()
    gt, meta = sample.gt_instances, sample.metainfo
    class_mask = torch.ones(1, 3, dtype=torch.bool)
    out = _perfect_outputs(head, gt, meta)
    q, t = head.assign(out['cls'][0], out['boxes'][0], out['masks'][0], 3,
                       gt, meta, _gt_masks(gt))
    assert dict(zip(q.tolist(), t.tolist())) == {2: 0, 4: 1}
    # uniform points: importance sampling would pick the 1-pixel borders,
    # where bilinear sampling blurs any mask
    head.importance_sample_ratio, ratio = 0., head.importance_sample_ratio
    try:
        perfect = head.loss_matched(out, class_mask, [gt], [meta], 2.,
                                    with_mask=True, with_conf=False)
        wrong = head.loss_matched(
            _perfect_outputs(head, gt, meta, wrong=True), class_mask, [gt],
            [meta], 2., with_mask=True, with_conf=False)
    finally:
        head.importance_sample_ratio = ratio
    assert perfect['loss_bbox'] < 1e-5 and perfect['loss_iou'] < 1e-5
    # only points on the 1-pixel borders are not sure (weights 5)
    assert perfect['loss_dice'] < 0.1 and perfect['loss_mask'] < 0.5
    assert perfect['loss_cls'] < 1e-3
    assert wrong['loss_bbox'] > 1 and wrong['loss_iou'] > 0.1
    assert wrong['loss_dice'] > 1 and wrong['loss_mask'] > 1


def _gt_masks(gt):
    return torch.from_numpy(gt.masks.masks).float()


def test_box_only_batches_learn_without_masks(model):
    head = model.bbox_head
    mask_costs = {'DiceCost', 'CrossEntropyLossCost'}
    assert mask_costs <= {type(c).__name__ for c in head.assigner.match_costs}
    assert not mask_costs & {type(c).__name__
                             for c in head.box_assigner.match_costs}
    model.train()
    samples = [make_sample(task='det', masks=False),
               make_sample(task='det', masks=False)]
    losses = model.loss(torch.randn(2, 3, H, W), samples)
    assert not any('mask' in k or 'dice' in k for k in losses)
    assert {'loss_cls', 'loss_bbox', 'loss_iou', 'enc_loss_cls',
            'dn_loss_bbox', 'd0.loss_cls'} <= set(losses)


def test_denoising_queries_per_table_and_their_attention_mask():
    torch.manual_seed(0)
    generator = GLEEDenoisingQueryGenerator(
        label_tables=dict(coco=80, grounding=1), embed_dims=8,
        num_matching_queries=5, label_noise_scale=1e-9, box_noise_scale=0.4,
        group_cfg=dict(dynamic=True, num_dn_queries=4))
    with torch.no_grad():
        generator.label_tables['coco'].weight.copy_(
            torch.arange(80.)[:, None].repeat(1, 8))
    samples = [make_sample(labels=[3, 70]), make_sample(boxes=[[0, 0, 9, 9]],
                                                        labels=[5])]
    label_q, box_q, mask, meta = generator(samples, 'coco')
    # 2 targets at most -> 4 // 2 = 2 groups of 2 positives + 2 negatives
    assert meta == dict(num_denoising_queries=8, num_denoising_groups=2)
    assert label_q.shape == (2, 8, 8) and box_q.shape == (2, 8, 4)
    # no label flipped (noise ~0): queries embed their labels, per group
    assert label_q[0, [0, 1, 4, 5], 0].tolist() == [3, 70, 3, 70]
    assert label_q[1, [0, 4], 0].tolist() == [5, 5]
    # matching queries do not see the denoising ones; groups do not see
    # each other; everyone sees the matching queries
    assert mask.shape == (13, 13)
    assert mask[8:, :8].all() and not mask[:, 8:].any()
    assert mask[:4, 4:8].all() and mask[4:8, :4].all()
    assert not mask[:4, :4].any() and not mask[4:8, 4:8].any()
    with pytest.raises(DenoisingTableError, match="'lvis'"):
        generator(samples, 'lvis')
    with pytest.raises(DenoisingTableError, match='does not fit'):
        generator(samples, 'grounding')


def test_prompt_tokens_join_the_decoder_self_attention():
    torch.manual_seed(0)
    layer = GLEEDecoderLayer(
        self_attn_cfg=dict(embed_dims=16, num_heads=2, dropout=0.0),
        cross_attn_cfg=dict(embed_dims=16, num_levels=1, num_heads=2,
                            num_points=2, dropout=0.0),
        ffn_cfg=dict(embed_dims=16, feedforward_channels=32, ffn_drop=0.0))
    layer.eval()
    query, pos = torch.randn(2, 5, 16), torch.randn(2, 5, 16)
    value = torch.randn(2, 16, 16)
    kwargs = dict(value=value, query_pos=pos, key_padding_mask=None,
                  spatial_shapes=torch.tensor([[4, 4]]),
                  level_start_index=torch.tensor([0]),
                  reference_points=torch.rand(2, 5, 1, 2))
    tokens = torch.randn(2, 4, 16)
    valid = torch.tensor([[True, True, True, True],
                          [True, True, False, False]])
    with torch.no_grad():
        plain = layer(query, **kwargs)
        prompted = layer(query, prompt_tokens=tokens, prompt_mask=valid,
                         **kwargs)
        changed_padding = tokens.clone()
        changed_padding[1, 2:] = 100.
        padded = layer(query, prompt_tokens=changed_padding,
                       prompt_mask=valid, **kwargs)
        per_level = layer(query, prompt_tokens=[tokens, tokens * 0],
                          prompt_mask=[valid, valid], **kwargs)
    assert prompted.shape == plain.shape == (2, 5, 16)
    assert not torch.allclose(prompted, plain)
    torch.testing.assert_close(padded, prompted)  # padding is never seen
    torch.testing.assert_close(per_level, prompted)  # layer 0 -> set 0
    mask = layer._prompt_attention_mask(None, valid, 5)
    assert mask.shape == (4, 9, 9)
    assert mask[2:, :5, 7:].all() and not mask[2:, :5, 5:7].any()
    assert mask[2:, 7:, :5].all() and not mask[2:, 7:, 5:].any()


def test_grounding_passes_the_expression_to_the_decoder(model):
    model.train()
    feats = model.extract_feat(torch.randn(1, 3, H, W))
    samples = [grounding_sample()]
    prompts = model.encode_prompts(samples)
    enc_in, _ = model.pre_transformer(feats, samples, prompts)
    dec_extra, _ = model.pre_decoder(
        **model.forward_encoder(**enc_in), batch_data_samples=samples,
        prompts=prompts)
    assert dec_extra['prompt_tokens'].shape == (1, 9, 32)
    assert dec_extra['prompt_mask'].all()
    samples = [make_sample()]
    prompts = model.encode_prompts(samples)
    enc_in, _ = model.pre_transformer(feats, samples, prompts)
    dec_extra, _ = model.pre_decoder(
        **model.forward_encoder(**enc_in), batch_data_samples=samples,
        prompts=prompts)
    assert dec_extra['prompt_tokens'] is None


def test_early_fusion_makes_the_image_features_prompt_aware(model):
    model.eval()
    feats = model.extract_feat(torch.randn(1, 3, H, W))
    memories = []
    for names in (('circle', ), ('a completely different prompt', )):
        samples = [make_sample(names, labels=[0, 0])]
        prompts = model.encode_prompts(samples)
        enc_in, _ = model.pre_transformer(feats, samples, prompts)
        with torch.no_grad():
            memories.append(model.forward_encoder(**enc_in)['memory'])
    assert not torch.allclose(*memories)
    assert len(model.encoder.fusion_layers) == 1  # official: first only


@pytest.mark.parametrize('task,texts,table,with_mask', [
    ('det', NAMES, 'demo_world', False),
    ('instance', NAMES, 'demo_world', True),
    ('open_world', ('object', ), 'grounding', True),
    ('grounding', ('the red circle', ), 'grounding', True),
])
def test_training_steps_for_each_task(task, texts, table, with_mask):
    torch.manual_seed(0)
    model = build_tiny()
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    labels = [0] if len(texts) == 1 else None
    boxes = [[10., 10., 50., 60.]] if len(texts) == 1 else None
    samples = [make_sample(texts, task, table, boxes, labels, with_mask)
               for _ in range(2)]
    x = torch.randn(2, 3, H, W)
    projection = model.bbox_head.class_projection.detach().clone()
    totals = []
    for _ in range(3):
        losses = model.loss(x, samples)
        total = sum(losses.values())
        assert torch.isfinite(total)
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        totals.append(total.item())
    assert ('loss_mask' in losses) == with_mask
    assert ('loss_dice' in losses) == with_mask
    assert not torch.equal(projection, model.bbox_head.class_projection)
    assert totals[-1] < totals[0]


def test_predictions_carry_labels_masks_and_object_embeddings(model):
    model.eval()
    with torch.no_grad():
        inst = model.predict(torch.randn(1, 3, H, W), [make_sample()])[0]
        det = model.predict(torch.randn(1, 3, H, W),
                            [make_sample(task='det', masks=False)])[0]
        ground = model.predict(torch.randn(1, 3, H, W),
                               [grounding_sample()])[0]
    pred = inst.pred_instances
    assert pred.bboxes.shape == (10, 4) and pred.masks.shape == (10, H, W)
    assert pred.masks.dtype == torch.bool
    assert pred.query_embeds.shape == (10, 32)
    assert pred.labels.max() < 3 and (pred.scores >= 0).all()
    assert 'masks' not in det.pred_instances
    assert ground.pred_instances.labels.eq(0).all()


def test_bad_batches_are_named(model):
    with pytest.raises(PromptError, match='mixes tasks'):
        model.encode_prompts([make_sample(), grounding_sample()])
    sample = make_sample()
    del sample.text
    with pytest.raises(PromptError, match="no 'text'"):
        model.encode_prompts([sample])
    with pytest.raises(PromptError, match='empty prompt list'):
        model.encode_prompts([make_sample(texts=())])
    with pytest.raises(PromptError, match='unknown task'):
        model.encode_prompts([make_sample(task='video')])


def test_predictions_map_back_to_the_original_image(model):
    """Boxes are normalised to the resized image, masks cover the padded
    batch at 1/4: both come back to the original frame."""
    head = model.bbox_head
    meta = dict(ori_shape=(160, 200), img_shape=(80, 100),
                batch_input_shape=(96, 128), scale_factor=(0.5, 0.5))
    box = torch.tensor([20., 32., 60., 72.])  # in the resized image
    cx, cy = (box[0] + box[2]) / 2 / 100, (box[1] + box[3]) / 2 / 80
    w, h = (box[2] - box[0]) / 100, (box[3] - box[1]) / 80
    masks = torch.full((1, 1, 24, 32), -20.)
    masks[0, 0, 32 // 4:72 // 4, 20 // 4:60 // 4] = 20.
    out = dict(cls=torch.tensor([[[9.]]]),
               boxes=torch.tensor([[[cx, cy, w, h]]]), masks=masks)
    pred, = head.predict_by_feat(out, torch.ones(1, 1, dtype=torch.bool),
                                 torch.zeros(1, 1, 32), [meta])
    torch.testing.assert_close(pred.bboxes[0], box * 2)
    assert pred.masks.shape == (1, 160, 200)
    ys, xs = torch.nonzero(pred.masks[0], as_tuple=True)
    assert abs(xs.min() - 40) <= 2 and abs(xs.max() - 119) <= 2
    assert abs(ys.min() - 64) <= 2 and abs(ys.max() - 143) <= 2
    # score = class probability x mean mask probability inside the mask
    # (just below 1: the upsampled borders are less sure)
    class_prob = float(torch.sigmoid(torch.tensor(9.)))
    assert 0.98 * class_prob < float(pred.scores[0]) < class_prob


def test_visual_prompt_answer_by_confidence_or_prompt_agreement(model):
    """Official selection: the most confident query. ``agreement``: the
    confidence times the share of the positive prompt inside the mask
    times one minus the share of the negative prompt inside it."""
    head = model.bbox_head
    h, w = H // 4, W // 4  # mask resolution: 1/4 of the padded input
    masks = torch.full((1, 3, h, w), -5.)
    masks[0, 0, :, :w // 2] = 5.  # query 0: left half
    masks[0, 1, :, w // 2:] = 5.  # query 1: right half
    masks[0, 2] = 5.  # query 2: everything
    conf = torch.tensor([[[2.], [0.], [1.]]])  # query 0 most confident
    out = dict(conf=conf, masks=masks, boxes=torch.full((1, 3, 4), .5))
    pos = torch.zeros(1, H, W, dtype=torch.bool)
    pos[0, 8:16, 3 * W // 4:3 * W // 4 + 8] = True  # a click on the right
    neg = torch.zeros_like(pos)
    neg[0, 40:48, 8:16] = True  # a negative click on the left
    agreement = head.prompt_agreement(masks, pos, neg)
    assert torch.allclose(agreement, torch.tensor([[0., 1., 0.]]))
    half = torch.zeros_like(pos)
    half[0, 8:16, W // 2 - 4:W // 2 + 4] = True  # across the border
    assert torch.allclose(head.prompt_agreement(masks, half, neg),
                          torch.tensor([[0., .5, 0.]]))
    meta = dict(img_shape=(H, W), batch_input_shape=(H, W),
                ori_shape=(H, W), scale_factor=(1., 1.))
    embeds = torch.zeros(1, 3, 4)
    saved = dict(head.test_cfg)
    try:
        (official, ) = head.predict_by_confidence(out, embeds, [meta])
        assert official.masks[0, :, :W // 2].all()  # query 0
        assert torch.allclose(official.scores, conf[0, 0].sigmoid())
        head.test_cfg['prompt_selection'] = 'agreement'
        (agreed, ) = head.predict_by_confidence(
            out, embeds, [meta], prompt_regions=(pos, neg))
        assert agreed.masks[0, :, W // 2:].all()  # query 1
        assert not agreed.masks[0, :, :W // 2].any()
        assert torch.allclose(agreed.scores, conf[0, 1].sigmoid())
        with pytest.raises(ValueError, match='prompt regions'):
            head.predict_by_confidence(out, embeds, [meta])
    finally:
        head.test_cfg.clear()
        head.test_cfg.update(saved)
    with pytest.raises(ValueError, match='prompt_selection'):
        build_tiny_glee('glee_tiny_demo-world.py',
                        test_cfg=dict(prompt_selection='iou'))
