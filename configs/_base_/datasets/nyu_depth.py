# NYU-Depth v2 in the layout of the BTS / monocular-depth-estimation toolbox
# (the one DINOv2's depth evaluation reads):
#   data/nyu/nyu_train.txt, data/nyu/nyu_test.txt   "<rgb> <depth> <focal>"
#   data/nyu/<scene>/rgb_XXXXX.jpg, data/nyu/<scene>/sync_depth_XXXXX.png
# Depth PNGs in millimetres, 480 x 640; evaluated on the Eigen crop,
# 1e-3 < depth < 10 m.
dataset_type = 'DepthDataset'
data_root = 'data/nyu/'
min_depth = 1e-3
max_depth = 10.

data_preprocessor = dict(
    type='ImgDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_size_divisor=14)

train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='LoadDepthMap'),
    dict(type='PackDenseInputs'),
]
test_pipeline = train_pipeline

train_dataloader = dict(
    batch_size=2,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root,
                 ann_file='nyu_train.txt', pipeline=train_pipeline))
val_dataloader = dict(
    train_dataloader,
    batch_size=1,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(train_dataloader['dataset'], ann_file='nyu_test.txt',
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='DepthMetric', min_depth=min_depth,
                     max_depth=max_depth, crop=(45, 471, 41, 601))
test_evaluator = val_evaluator
