# RetinaNet on a plain patch-14 ViT (DINOv2 architecture) through the
# ViTDet-style SimpleFPN, demo world (160 px scenes, 8 shape classes).
# No DINOv2 weights are downloadable here: the tiny ViT (192-d, 6 blocks)
# trains from its official random initialisation together with neck and
# head. The COCO config is the real recipe with the official checkpoint.
_base_ = [
    '../_base_/datasets/demo_world_detection.py',
    '../_base_/schedules/schedule_demo_12e.py',
    '../_base_/default_runtime.py'
]
vit_tiny = dict(embed_dims=192, num_layers=6, num_heads=3)
# Levels declared at strides 8..128; SimpleFPN resamples the stride-14 map
# to the ceil(H / s) grids these strides imply (see its docstring).
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
        arch=vit_tiny,
        # 160 px inputs are padded to 168 = 12 x 14: the stored grid.
        img_size=168,
        drop_path_rate=0.1,
        out_indices=(-1, ),
        out_type='featmap'),
    # A light neck and head (64 channels, one conv per branch) keep a
    # training iteration near 1 s on 2 shared CPU cores.
    neck=dict(type='SimpleFPN', in_channels=192, out_channels=64,
              strides=strides),
    bbox_head=dict(
        type='RetinaHead',
        num_classes=8,
        in_channels=64,
        stacked_convs=1,
        feat_channels=64,
        # Demo objects are 10-120 px: anchors 16-25 px at stride 8 up to
        # 256-400 px at stride 128 (octave_base_scale 2 instead of COCO's 4).
        anchor_generator=dict(
            type='AnchorGenerator',
            octave_base_scale=2,
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

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min_ratio=0.01,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True)
]
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=3e-3, weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0., bias_decay_mult=0.,
        custom_keys=dict(pos_embed=dict(decay_mult=0.),
                         cls_token=dict(decay_mult=0.))))
default_hooks = dict(checkpoint=dict(interval=max_epochs))
