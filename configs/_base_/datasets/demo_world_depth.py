# Demo world monocular depth: images/{split}/<stem>.png with the 16-bit
# depth maps depth/{split}/<stem>.png (millimetres). Images are resized to
# 224 (16 x 16 patches); the ground truth stays at 160 px.
dataset_type = 'DepthDataset'
data_root = 'data/demo_world/'
img_scale = (224, 224)
min_depth = 1e-3
max_depth = 10.

data_preprocessor = dict(
    type='ImgDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_size_divisor=14)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='LoadDepthMap'),
    dict(type='PackDenseInputs'),
]
test_pipeline = train_pipeline

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix=dict(img='images/train/', depth='depth/train/'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix=dict(img='images/val/', depth='depth/val/'),
                 test_mode=True,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='DepthMetric', min_depth=min_depth,
                     max_depth=max_depth)
test_evaluator = val_evaluator
