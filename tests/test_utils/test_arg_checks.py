"""Range checks of constructor arguments: the bounds and the wording."""
import pytest

from mmvision_plus.utils.arg_checks import check_range


@pytest.mark.parametrize('value, low, high, low_open', [
    (-1, -1, 12, False),
    (12, -1, 12, False),
    (2, 2, None, False),
    (1e-6, 0, None, True),
    (5, None, 5, False),
])
def test_check_range_returns_values_inside(value, low, high, low_open):
    assert check_range(value, 'Owner', 'arg', low, high, low_open) == value


@pytest.mark.parametrize('value, low, high, low_open, message', [
    (13, -1, 12, False, 'Owner: arg must be in [-1, 12], got 13'),
    (-2, -1, 12, False, 'Owner: arg must be in [-1, 12], got -2'),
    (0, 0, 1, True, 'Owner: arg must be in (0, 1], got 0'),
    (1, 2, None, False, 'Owner: arg must be >= 2, got 1'),
    (0, 0, None, True, 'Owner: arg must be > 0, got 0'),
    (-0.5, 0, None, True, 'Owner: arg must be > 0, got -0.5'),
    (6, None, 5, False, 'Owner: arg must be <= 5, got 6'),
])
def test_check_range_names_owner_argument_range_and_value(
        value, low, high, low_open, message):
    with pytest.raises(ValueError) as error:
        check_range(value, 'Owner', 'arg', low, high, low_open)
    assert str(error.value) == message


def test_constructors_reject_out_of_range_arguments():
    """The modules that validate with check_range fail when built."""
    from mmvision_plus.engine.hooks import (CheckFiniteLossHook,
                                            RetrievalCostHook)
    from mmvision_plus.models.backbones import DINOv2ViT
    from mmvision_plus.models.heads import DINOv2LinearSegHead
    from mmvision_plus.models.language import CrossAttentionBert
    from mmvision_plus.models.losses import DINOLoss
    from mmvision_plus.models.multimodal import ClipDualEncoder
    bert_arch = dict(vocab_size=40, hidden_size=32, num_hidden_layers=4,
                     num_attention_heads=2, intermediate_size=64,
                     max_position_embeddings=32)
    clip_arch = dict(embed_dim=16,
                     vision_cfg=dict(layers=1, width=32, head_width=16,
                                     patch_size=16, image_size=32),
                     text_cfg=dict(context_length=24, width=32, heads=2,
                                   layers=1))
    cases = [
        (lambda: DINOv2ViT(arch='small', frozen_stages=13),
         'DINOv2ViT: frozen_stages must be in [-1, 12], got 13'),
        (lambda: DINOv2LinearSegHead(num_classes=3, in_channels=8,
                                     num_inputs=0),
         'DINOv2LinearSegHead: num_inputs must be >= 1, got 0'),
        (lambda: DINOv2LinearSegHead(num_classes=3, in_channels=8,
                                     upsample=0),
         'DINOv2LinearSegHead: upsample must be >= 1, got 0'),
        (lambda: CrossAttentionBert(bert_arch, cross_attention_from=5),
         'CrossAttentionBert: cross_attention_from must be in [0, 4], got 5'),
        (lambda: ClipDualEncoder(clip=clip_arch, max_text_length=1),
         'ClipDualEncoder: max_text_length must be >= 2, got 1'),
        (lambda: DINOLoss(out_dim=4, student_temp=0.0),
         'DINOLoss: student_temp must be > 0, got 0.0'),
        (lambda: CheckFiniteLossHook(interval=0),
         'CheckFiniteLossHook: interval must be >= 1, got 0'),
        (lambda: RetrievalCostHook(num_queries=0),
         'RetrievalCostHook: num_queries must be >= 1, got 0'),
    ]
    for build, message in cases:
        with pytest.raises(ValueError) as error:
            build()
        assert str(error.value) == message


def test_more_constructors_reject_out_of_range_arguments():
    """Heads, losses, layers, hooks and loops that validate with
    check_range fail when built, with its wording."""
    from mmvision_plus.engine.hooks import TeacherTempWarmupHook
    from mmvision_plus.engine.interactive_seg_loops import \
        InteractiveSegTestLoop
    from mmvision_plus.models.heads import (DINOv2LinearDepthHead,
                                            DINOv2ProjectionHead)
    from mmvision_plus.models.layers import GLEEVisualPrompter
    from mmvision_plus.models.losses import ExtendedFocalLoss, PaperSIoULoss
    from mmvision_plus.models.multimodal import VLMoTransformer
    from mmvision_plus.models.retrievers import (CrossModalInteraction,
                                                 DisorderedLocalLearning)
    cases = [
        (lambda: DINOv2ProjectionHead(8, num_layers=0),
         'DINOv2ProjectionHead: num_layers must be >= 1, got 0'),
        (lambda: DINOv2LinearDepthHead(in_channels=8, min_depth=0.),
         'DINOv2LinearDepthHead: min_depth must be > 0, got 0.0'),
        (lambda: DINOv2LinearDepthHead(in_channels=8, min_depth=2.,
                                       max_depth=1.),
         'DINOv2LinearDepthHead: max_depth must be > 2.0, got 1.0'),
        (lambda: ExtendedFocalLoss(gamma=-1.),
         'ExtendedFocalLoss: gamma must be >= 0, got -1.0'),
        (lambda: PaperSIoULoss(theta=0.5),
         'PaperSIoULoss: theta must be >= 1, got 0.5'),
        (lambda: CrossModalInteraction(8, num_layers=0),
         'CrossModalInteraction: num_layers must be >= 1, got 0'),
        (lambda: DisorderedLocalLearning(8, num_groups=0),
         'DisorderedLocalLearning: num_groups must be >= 1, got 0'),
        (lambda: VLMoTransformer(img_size=32, embed_dims=8, num_layers=2,
                                 num_heads=2, vl_ffn_start=3),
         'VLMoTransformer: vl_ffn_start must be in [0, 2], got 3'),
        (lambda: GLEEVisualPrompter([8, 8, 8], num_levels=4,
                                    num_token_levels=5),
         'GLEEVisualPrompter: num_token_levels must be in [1, 4], got 5'),
        (lambda: TeacherTempWarmupHook(start=0.),
         'TeacherTempWarmupHook: start must be > 0, got 0.0'),
        (lambda: TeacherTempWarmupHook(end=-1.),
         'TeacherTempWarmupHook: end must be > 0, got -1.0'),
        # the loops check their click counts after mmengine's loop set-up
        (lambda: object.__new__(InteractiveSegTestLoop)._init_clicks(
            max_clicks=2, min_clicks=3, stop_iou=0.9),
         'InteractiveSegTestLoop: min_clicks must be in [1, 2], got 3'),
    ]
    for build, message in cases:
        with pytest.raises(ValueError) as error:
            build()
        assert str(error.value) == message
