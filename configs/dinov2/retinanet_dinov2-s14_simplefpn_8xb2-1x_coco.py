# RetinaNet with the official DINOv2 ViT-S/14 through the ViTDet-style
# SimpleFPN on COCO 2017 (standard layout). The backbone starts from the
# published checkpoint and is fine-tuned at a tenth of the learning rate.
# Needs checkpoints/dinov2_vits14_pretrain.pth. Not trained here (no COCO
# data, no GPU); only checked to load and build.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime.py',
    '../_base_/models/backbones/dinov2_vit-s14_det.py'
]
strides = [8, 16, 32, 64, 128]  # those of the RetinaHead's anchors

# mmdet's RetinaNet-R50-FPN with the ViT and SimpleFPN in place of the
# ResNet and FPN. The model comes from an `mmdet::` base and is built in
# mmdet's scope, where our modules are named with their scope.
model = dict(
    backbone=dict(_base_.dinov2_vits14_det_backbone, _delete_=True,
                  type='mmvision_plus.DINOv2ViT'),
    neck=dict(_delete_=True, type='mmvision_plus.SimpleFPN', in_channels=384,
              out_channels=256, strides=strides))

# mmdet's 1x schedule (12 epochs, 8 GPUs x 2 images) with AdamW, backbone
# lr x 0.1.
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-4, weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0., bias_decay_mult=0.,
        custom_keys=dict(backbone=dict(lr_mult=0.1),
                         pos_embed=dict(decay_mult=0.),
                         cls_token=dict(decay_mult=0.))),
    clip_grad=dict(max_norm=1.0, norm_type=2))
