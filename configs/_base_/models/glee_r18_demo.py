# A small GLEE for the demo world (160 px scenes, trained from scratch on
# 2 CPU cores): ResNet-18, 3 encoder + 3 decoder layers, 100 queries,
# FFN 1024, a 1-layer 64-wide CLIP text transformer trained with the model,
# 1024 mask points. Everything else is GLEE-Lite's.
_base_ = './glee-lite_r50.py'

model = dict(
    num_queries=100,
    backbone=dict(
        depth=18,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    input_proj=dict(in_channels=[128, 256, 512]),
    pixel_embedding=dict(in_channels=[64]),
    text_encoder=dict(
        width=64, num_layers=1, num_heads=4, mode='trainable',
        pretrained=None),
    encoder=dict(
        num_layers=3,
        layer_cfg=dict(ffn_cfg=dict(feedforward_channels=1024)),
        fusion_layer_cfg=dict(embed_dim=512)),
    decoder=dict(
        num_layers=3,
        layer_cfg=dict(ffn_cfg=dict(feedforward_channels=1024))),
    # the demo world's 8 shape names, and grounding / open-world
    dn_cfg=dict(
        label_tables=dict(_delete_=True, demo_world=8, grounding=1)),
    bbox_head=dict(num_points=1024, class_bias_prior=0.01))
