# The loaders of mmdet's COCO-style detection datasets without their
# datasets: 2 images per GPU grouped by aspect ratio for training, 1 image
# in order for validation and test (the val loader). The dataset bases
# inheriting it (coco_detection.py, glee_refcoco.py,
# glee_youtube_vis_2019.py) add the datasets and change what they need.
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
