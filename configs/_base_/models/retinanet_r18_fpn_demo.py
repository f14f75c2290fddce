# RetinaNet on the demo FCOS's backbone and neck (ResNet-18 trained from
# scratch, 128-channel FPN), sized for 160 px images: mmdet's RetinaHead
# with 2 convs per branch and anchors for 10-120 px objects.
_base_ = './fcos_r18_fpn_gn-head_demo.py'
model = dict(
    type='RetinaNet',
    bbox_head=dict(
        _delete_=True,
        type='RetinaHead',
        num_classes=8,
        in_channels=128,
        stacked_convs=2,
        feat_channels=128,
        # anchors from 16-25 px (stride 8) to 256-400 px (stride 128), half
        # of COCO's octave_base_scale=4
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
    test_cfg=dict(nms=dict(iou_threshold=0.5)))
