# The demo-world image-caption pairs for masked image modelling (BEiT-3
# pretraining, VLMo's image stage): the training pipeline adds BEiT's
# block-wise patch masks (mmpretrain's BEiTMaskGenerator, packed as each
# sample's `mask`) on the 6 x 6 patch grid of 96 px scenes, 14 of the 36
# patches (39 %, BEiT: 75 of 196). Pretraining has no validation.
_base_ = './demo_world_image_text.py'
train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='mmpretrain.Resize', scale=(96, 96), interpolation='bicubic'),
    dict(type='mmpretrain.BEiTMaskGenerator', input_size=6,
         num_masking_patches=14, min_num_patches=2),
    dict(type='mmpretrain.PackInputs', algorithm_keys={{_base_.pack_keys}},
         meta_keys=['img_path']),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
