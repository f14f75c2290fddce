# GLEE-Plus: GLEE-Lite with a Swin-L backbone (mmdet's SwinTransformer,
# window 12, ImageNet-22k 384 px); only the backbone and the channels of
# the maps it feeds change.
_base_ = './glee-lite_r50_8xb2-90k_coco-instance.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='SwinTransformer',
        pretrain_img_size=384,
        embed_dims=192,
        depths=[2, 2, 18, 2],
        num_heads=[6, 12, 24, 48],
        window_size=12,
        mlp_ratio=4,
        qkv_bias=True,
        drop_path_rate=0.3,
        patch_norm=True,
        out_indices=(0, 1, 2, 3),
        with_cp=True,
        convert_weights=True,
        init_cfg=dict(type='Pretrained',
                      checkpoint='checkpoints/swin_large_patch4_window12_'
                      '384_22k.pth')),
    input_proj=dict(in_channels=[384, 768, 1536]),
    pixel_embedding=dict(in_channels=[192]))
