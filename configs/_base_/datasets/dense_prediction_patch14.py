# What the per-pixel datasets (depth maps, semantic maps) of the frozen
# patch-14 probes share: ImageNet mean/std in RGB with images padded to a
# multiple of 14 (the patch size), and loaders that shuffle for training
# only. A dataset base inheriting it adds the pipelines, the datasets, the
# batch sizes and the metric.
data_preprocessor = dict(
    type='ImgDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_size_divisor=14)

train_dataloader = dict(
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
