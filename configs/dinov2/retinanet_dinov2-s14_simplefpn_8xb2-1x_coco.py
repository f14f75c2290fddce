# RetinaNet with the official DINOv2 ViT-S/14 through the ViTDet-style
# SimpleFPN on COCO 2017 (standard layout). The backbone starts from the
# published checkpoint and is fine-tuned at a tenth of the learning rate.
# Needs checkpoints/dinov2_vits14_pretrain.pth. Not trained here (no COCO
# data, no GPU); only checked to load and build.
_base_ = [
    '../_base_/datasets/coco_detection.py',
    '../_base_/default_runtime.py'
]
strides = [8, 16, 32, 64, 128]

model = dict(
    type='RetinaNet',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='DINOv2ViT',
        arch='small',
        img_size=518,
        drop_path_rate=0.1,
        out_indices=(-1, ),
        out_type='featmap',
        with_cp=True,
        init_cfg=dict(type='Pretrained',
                      checkpoint='checkpoints/dinov2_vits14_pretrain.pth')),
    neck=dict(type='SimpleFPN', in_channels=384, out_channels=256,
              strides=strides),
    bbox_head=dict(
        type='RetinaHead',
        num_classes=80,
        in_channels=256,
        stacked_convs=4,
        feat_channels=256,
        anchor_generator=dict(
            type='AnchorGenerator',
            octave_base_scale=4,
            scales_per_octave=3,
            ratios=[0.5, 1.0, 2.0],
            strides=strides),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[.0, .0, .0, .0],
            target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0,
                      alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(
            type='MaxIoUAssigner',
            pos_iou_thr=0.5,
            neg_iou_thr=0.4,
            min_pos_iou=0,
            ignore_iof_thr=-1),
        sampler=dict(type='PseudoSampler'),
        allowed_border=-1,
        pos_weight=-1,
        debug=False),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.5),
        max_per_img=100))

# 1x schedule (12 epochs, 8 GPUs x 2 images), AdamW, backbone lr x 0.1.
max_epochs = 12
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[8, 11], gamma=0.1)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0., bias_decay_mult=0.,
        custom_keys=dict(backbone=dict(lr_mult=0.1),
                         pos_embed=dict(decay_mult=0.),
                         cls_token=dict(decay_mult=0.))),
    clip_grad=dict(max_norm=1.0, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=16)
