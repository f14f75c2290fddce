# VLMo stage 1 on the demo world: image-only masked image modelling (BEiT:
# 14 of 36 patches block-masked, predict their k-means visual tokens, 256
# ids) trains the patch embedding, the self-attention and the V-FFN; the
# text side (embeddings, L-FFN, VL-FFN) is frozen. Needs the visual
# tokenizer (tools/analysis_tools/build_visual_tokenizer.py THIS_CONFIG).
# 3 epochs of the 480 training scenes x 5 captions (2,400 samples per
# epoch, as every demo config draws), AdamW lr 5e-4, batch 64; no
# validation. Stage 2 starts from its last checkpoint.
_base_ = [
    '../_base_/models/vlmo_multiway-t16_demo.py',
    '../_base_/datasets/demo_world_image_text_masked.py',
    '../_base_/schedules/image_text_demo_adamw_20e.py',
    '../_base_/image_text_runtime.py',
]
model = dict(tasks=('mim', ), frozen={{_base_.frozen_in_image_stage}})

optim_wrapper = {{_base_.vlmo_optim_wrapper}}

max_epochs = 3
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min_ratio=0.01,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
custom_hooks = [dict(type='CheckFiniteLossHook', interval=1)]
default_hooks = dict(checkpoint=dict(interval=1, save_best=None))
