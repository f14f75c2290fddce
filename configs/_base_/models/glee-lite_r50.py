# GLEE-Lite: ResNet-50, the official sizes (projects/GLEE/configs/images/
# Lite/base_clip_teacher_image_R50.yaml): a 6-layer deformable encoder with
# image<->text fusion before each layer (4 levels, s8..s64), 300 queries,
# 9 decoder layers, hidden 256, FFN 2048, 8 heads; CLIP ViT-B/32 text tower
# (width 512, 12 layers, 77 tokens) distilled towards a frozen copy.
_base_ = './data_preprocessors/det_imagenet_pad32.py'
embed_dims = 256
# One denoising label table per dataset family, as the official decoder
# (coco_label_enc, obj365_label_enc shared by Objects365/LVIS/OpenImages,
# vg, grounding (also SA-1B/UVO open-world), the video sets, BDD).
dn_label_tables = dict(coco=80, obj365=100, vg=200, grounding=1, ytvis19=40,
                       ytvis21=40, ovis=25, uvo=81, bdd_det=10, bdd_inst=8)
model = dict(
    type='GLEE',
    num_queries=300,
    num_feature_levels=4,
    # detectron2's R50 with FrozenBN, stem trainable (FREEZE_AT 0)
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    # res3..res5 -> 1x1 conv + GN, res5 -> 3x3/2 conv + GN (official
    # input_proj; the conv bias is kept for the official weights)
    input_proj=dict(
        type='ChannelMapper',
        in_channels=[512, 1024, 2048],
        kernel_size=1,
        out_channels=embed_dims,
        act_cfg=None,
        bias=True,
        norm_cfg=dict(type='GN', num_groups=32),
        num_outs=4),
    # res2 + the s8 encoder level -> 1/4-resolution pixel embedding
    pixel_embedding=dict(
        in_channels=[256],
        mask_dims=embed_dims,
        norm_cfg=dict(type='GN', num_groups=32)),
    text_encoder=dict(
        type='CLIPTextEncoder',
        embed_dims=embed_dims,
        width=512,
        num_layers=12,
        num_heads=8,
        context_length=77,
        mode='distill',
        loss_distill=dict(type='mmdet.MSELoss', loss_weight=4.0),
        # a CLIP ViT-B/32 text checkpoint (HF dir, OpenAI .pt, open_clip);
        # None starts from random weights
        pretrained=None),
    encoder=dict(
        num_layers=6,
        layer_cfg=dict(
            # mmcv's MultiScaleDeformableAttention (same parameters and
            # checkpoint keys) with our fast kernel on CPU; on CUDA it runs
            # mmcv's compiled op (mmvision_plus.models.layers.ms_deform_attn)
            self_attn_cfg=dict(
                type='FastCPUMultiScaleDeformableAttention',
                embed_dims=embed_dims,
                num_levels=4,
                num_heads=8,
                num_points=4,
                dropout=0.0),
            ffn_cfg=dict(
                embed_dims=embed_dims,
                feedforward_channels=2048,
                ffn_drop=0.0)),
        # official VLFuse: BiAttentionBlock(256, 256, embed 2048, 8 heads,
        # dropout 0.1, layer scale 1/6), before the first layer only (the
        # official encoder replaces the other layers' copies by Identity)
        num_fusion_layers=1,
        fusion_layer_cfg=dict(
            v_dim=embed_dims,
            l_dim=embed_dims,
            embed_dim=2048,
            num_heads=8,
            dropout=0.1,
            init_values=1 / 6)),
    positional_encoding=dict(
        num_feats=embed_dims // 2, normalize=True, temperature=10000),
    dn_cfg=dict(
        label_tables=dn_label_tables,
        label_noise_scale=0.4,
        box_noise_scale=0.4,
        # mmdet's contrastive denoising makes a positive and a negative query
        # per target and group: 50 here gives the official 100 queries
        group_cfg=dict(dynamic=True, num_dn_queries=50)),
    bbox_head=dict(
        type='GLEEHead',
        embed_dims=embed_dims,
        text_dims=embed_dims,
        mask_dims=embed_dims,
        num_points=12544,
        oversample_ratio=3.0,
        importance_sample_ratio=0.75),
    # official matching costs: class 4, box L1 5, GIoU 2, mask BCE 5, dice 5
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='FocalLossCost', weight=4.0),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0),
                dict(type='CrossEntropyLossCost', weight=5.0,
                     use_sigmoid=True),
                dict(type='DiceCost', weight=5.0, pred_act=True, eps=1.0)
            ])),
    test_cfg=dict(max_per_img=100))
# 9 decoder layers: self-attention over queries (and prompt tokens), then
# the encoder layer's deformable attention and FFN sizes
model['decoder'] = dict(
    num_layers=9,
    return_intermediate=True,
    post_norm_cfg=None,
    layer_cfg=dict(
        self_attn_cfg=dict(embed_dims=embed_dims, num_heads=8, dropout=0.0),
        cross_attn_cfg=model['encoder']['layer_cfg']['self_attn_cfg'],
        ffn_cfg=model['encoder']['layer_cfg']['ffn_cfg']))
