# Demo world semantic segmentation: maps rasterised from the COCO instance
# polygons (background 0, the 8 shapes 1..8). The 160 px images are used as
# they are (a patch-14 backbone pads them to 168 = 12 x 14); add a Resize
# before RasterizeCocoSemSeg for other sizes (the ground truth keeps the
# original size and predictions are resized to it).
dataset_type = 'CocoSemSegDataset'
data_root = 'data/demo_world/'

data_preprocessor = dict(
    type='ImgDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_size_divisor=14)

train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='RasterizeCocoSemSeg'),
    dict(type='PackDenseInputs'),
]
test_pipeline = train_pipeline

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root,
                 ann_file='annotations/instances_train.json',
                 data_prefix=dict(img='images/train/'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    train_dataloader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(train_dataloader['dataset'],
                 ann_file='annotations/instances_val.json',
                 data_prefix=dict(img='images/val/'), test_mode=True,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='MeanIoUMetric', ignore_index=255)
test_evaluator = val_evaluator
