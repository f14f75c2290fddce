# Demo world monocular depth: images/{split}/<stem>.png with the 16-bit
# depth maps depth/{split}/<stem>.png (millimetres; objects 1-5.8 m, the
# background plane about 6-10.2 m, hence max_depth 12). The 160 px images
# are used as they are (a patch-14 backbone pads them to 168 = 12 x 14).
dataset_type = 'DepthDataset'
data_root = 'data/demo_world/'
min_depth = 1e-3
max_depth = 12.

data_preprocessor = dict(
    type='ImgDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_size_divisor=14)

train_pipeline = [
    dict(type='LoadImageFromFile'),
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
