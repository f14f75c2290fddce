# GLEE-Lite's structure at test size: a ResNet-50 with 16 base channels,
# width 256 (the official decoder's reference embedding needs it), 2 encoder
# and 2 decoder layers, FFN 64, 2 sampling points, a 1-layer 32-wide CLIP
# text tower (+ teacher), the visual prompter. The official-layout
# checkpoint of the converter test has the same sizes.
_base_ = '../../../configs/_base_/models/glee-lite_r50.py'

model = dict(
    backbone=dict(base_channels=16, stem_channels=16, init_cfg=None),
    input_proj=dict(in_channels=[128, 256, 512]),
    pixel_embedding=dict(in_channels=[64]),
    text_encoder=dict(width=32, num_layers=1, num_heads=2),
    encoder=dict(
        num_layers=2,
        layer_cfg=dict(self_attn_cfg=dict(num_points=2),
                       ffn_cfg=dict(feedforward_channels=64)),
        fusion_layer_cfg=dict(embed_dim=64)),
    decoder=dict(
        num_layers=2,
        layer_cfg=dict(cross_attn_cfg=dict(num_points=2),
                       ffn_cfg=dict(feedforward_channels=64))),
    visual_prompter=dict(in_channels=[128, 256, 512]))
