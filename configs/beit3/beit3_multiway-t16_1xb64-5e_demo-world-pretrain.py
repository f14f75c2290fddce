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
    '../_base_/image_text_pretrain_runtime.py',
]
model = dict(tasks=('mdm', ))

max_epochs = 5
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
