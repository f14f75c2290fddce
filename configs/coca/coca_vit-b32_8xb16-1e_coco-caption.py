# CoCa ViT-B/32 COCO captioning fine-tuning with open_clip's recipe
# ("Fine Tuning CoCa" in its README, given for coca_ViT-L-14 on
# mscoco train2014): captioning loss only (contrastive weight 0, captioning
# weight 1), 128 pairs per step (8 x 16), AdamW lr 1e-5 weight decay 0.1,
# 1 epoch with a 1,000-step linear warm-up then cosine decay; 224 px.
# Starts from the open_clip checkpoint (model.pretrained, loaded strictly);
# decodes with beam search (6 beams, 5 to 30 tokens); BLEU-4 and CIDEr-D
# on the Karpathy test split.
_base_ = [
    '../_base_/models/coca_vit-b32.py',
    '../_base_/datasets/coco_karpathy_caption.py',
    '../_base_/image_text_runtime.py',
]
model = dict(pretrained='data/pretrained/coca_ViT-B-32_laion2b_s13b_b90k.bin',
             contrastive_loss_weight=0.0,
             caption_loss_weight=1.0)
img_scale = 224
train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=img_scale,
         crop_ratio_range=(0.9, 1.0), interpolation='bicubic'),
    dict(type='mmpretrain.CleanCaption', keys='text'),
    dict(type='mmpretrain.PackInputs', algorithm_keys={{_base_.pack_keys}},
         meta_keys=['img_path']),
]
# the Karpathy test pipeline at 224 px
test_pipeline = [
    dict(t, scale=(img_scale, img_scale))
    if t['type'] == 'mmpretrain.Resize' else t
    for t in _base_.test_pipeline
]
train_dataloader = dict(batch_size=16, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

max_epochs = 1
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=1)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-5, weight_decay=0.1,
                   betas=(0.9, 0.98), eps=1e-6))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=1000),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=0,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=128)
custom_hooks = [dict(type='CheckFiniteLossHook', interval=1)]
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1,
                                     save_best='caption/CIDEr',
                                     rule='greater'))
