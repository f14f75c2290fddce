# BEiT-3 pretraining on the demo world: ONE objective, masked data
# modelling, on every batch's images (14 of 36 patches block-masked, predict
# their k-means visual tokens, 256 ids), texts (15 % of the tokens) and
# image-text pairs (50 % of the text tokens and the masked patches, from the
# fused pass). Needs the visual tokenizer
# (tools/analysis_tools/build_visual_tokenizer.py THIS_CONFIG). 5 epochs,
# AdamW lr 5e-4, batch 64; no validation. The retrieval config
# (beit3_multiway-t16_1xb64-10e_demo-world.py) starts from its last
# checkpoint.
_base_ = [
    '../_base_/models/beit3_multiway-t16_demo.py',
    '../_base_/datasets/demo_world_image_text_masked.py',
    '../_base_/schedules/image_text_demo_adamw_20e.py',
    '../_base_/image_text_runtime.py',
]
model = dict(tasks=('mdm', ))

max_epochs = 5
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min_ratio=0.01,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
custom_hooks = [dict(type='CheckFiniteLossHook', interval=1)]
default_hooks = dict(checkpoint=dict(interval=1, save_best=None))
