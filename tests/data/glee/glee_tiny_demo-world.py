# A tiny GLEE for the tests: the demo-world instance config with a 16-channel
# ResNet-18, width 32, one encoder and two decoder layers, 20 queries and a
# 1-layer 16-wide text transformer. Data paths are set by the tests.
_base_ = '../../../configs/glee/glee_r18_demo_1xb4-12e_demo-world-instance.py'

c = 32
model = dict(
    num_queries=20,
    backbone=dict(base_channels=16, stem_channels=16),
    input_proj=dict(in_channels=[32, 64, 128], out_channels=c,
                    norm_cfg=dict(type='GN', num_groups=8)),
    pixel_embedding=dict(in_channels=[16], mask_dims=c,
                         norm_cfg=dict(type='GN', num_groups=8)),
    text_encoder=dict(embed_dims=c, width=16, num_layers=1, num_heads=2),
    encoder=dict(
        num_layers=1,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=c, num_heads=4, num_points=2),
            ffn_cfg=dict(embed_dims=c, feedforward_channels=64)),
        fusion_layer_cfg=dict(v_dim=c, l_dim=c, embed_dim=64, num_heads=4,
                              dropout=0.0)),
    decoder=dict(
        num_layers=2,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=c, num_heads=4),
            cross_attn_cfg=dict(embed_dims=c, num_heads=4, num_points=2),
            ffn_cfg=dict(embed_dims=c, feedforward_channels=64))),
    positional_encoding=dict(num_feats=c // 2),
    dn_cfg=dict(group_cfg=dict(num_dn_queries=10)),
    bbox_head=dict(embed_dims=c, text_dims=c, mask_dims=c, num_points=64),
    test_cfg=dict(max_per_img=10))
