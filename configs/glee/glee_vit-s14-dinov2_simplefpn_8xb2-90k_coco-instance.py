# GLEE with our DINOv2 ViT-S/14 and a ViTDet-style SimpleFPN: the plain ViT
# map becomes strides 4..32 (the neck), the three coarsest feed the encoder
# (plus the extra stride-64 level), the stride-4 map the pixel embedding.
# Needs checkpoints/dinov2_vits14_pretrain.pth.
_base_ = [
    './glee-lite_r50_8xb2-90k_coco-instance.py',
    '../_base_/models/backbones/dinov2_vit-s14_det.py'
]

model = dict(
    backbone=dict(_base_.dinov2_vits14_det_backbone, _delete_=True),
    neck=dict(type='SimpleFPN', in_channels=384, out_channels=256,
              strides=(4, 8, 16, 32)),
    input_proj=dict(in_channels=[256, 256, 256]),
    pixel_embedding=dict(in_channels=[256]))
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys=dict(
        pos_embed=dict(decay_mult=0.), cls_token=dict(decay_mult=0.))))
