# RetinaNet-R18 (from scratch, 128-ch FPN) on the demo world with our
# FocalLoss and a per-class alpha from the class frequencies of the train
# split. Data, schedule and runtime are the demo FCOS's.
_base_ = [
    '../_base_/datasets/demo_world_detection.py',
    '../_base_/schedules/schedule_demo_12e.py',
    '../_base_/default_runtime.py'
]

# Inverse class frequency (instances per class in
# data/demo_world/annotations/instances_train.json, demo world format 4,
# seed 0), scaled to a mean
# of 0.25, in class order circle, square, triangle, star, hexagon, ellipse,
# cross, diamond; produced by
#   python tools/analysis_tools/focal_alpha_from_frequencies.py \
#       data/demo_world/annotations/instances_train.json
# (instances: 184, 229, 166, 167, 184, 185, 207, 175).
class_alpha = [0.252, 0.202, 0.279, 0.277, 0.252, 0.250, 0.224, 0.265]

model = dict(
    type='RetinaNet',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='ResNet',
        depth=18,
        num_stages=4,
        out_indices=(1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=None),
    neck=dict(
        type='FPN',
        in_channels=[128, 256, 512],
        out_channels=128,
        start_level=0,
        add_extra_convs='on_output',
        num_outs=5,
        relu_before_extra_convs=True),
    bbox_head=dict(
        type='RetinaHead',
        num_classes=8,
        in_channels=128,
        stacked_convs=2,
        feat_channels=128,
        # 160 px images: anchors from 16 px (stride 8) to ~400 px (stride
        # 128), half of COCO's octave_base_scale=4.
        anchor_generator=dict(
            type='AnchorGenerator',
            octave_base_scale=2,
            scales_per_octave=3,
            ratios=[0.5, 1.0, 2.0],
            strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[.0, .0, .0, .0],
            target_stds=[1.0, 1.0, 1.0, 1.0]),
        # 'FocalLoss' is ours in the mmvision_plus scope (mmdet's would be
        # 'mmdet.FocalLoss'); use_sigmoid must be given for the head to size
        # its classifier without a background channel.
        loss_cls=dict(
            type='FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=class_alpha,
            loss_weight=1.0),
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
