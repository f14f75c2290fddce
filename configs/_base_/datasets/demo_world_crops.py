# Demo world object crops in ImageNet-style class folders
# (crops/{train,val}/<class>/), for linear probing and k-NN of frozen
# features: imagenet_dinov2_linear.py reading the folders of the 8 shape
# classes (no meta/*.txt), with the 48 px crops resized to 56 px (4 x 4
# patches of 14 px) and top-1 accuracy only.
_base_ = './imagenet_dinov2_linear.py'
dataset_type = 'mmpretrain.CustomDataset'
data_root = 'data/demo_world/crops/'
img_size = 56

data_preprocessor = dict(num_classes=8)

train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='mmpretrain.Resize', scale=(img_size, img_size),
         keep_ratio=False),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [  # without the flip
    t for t in train_pipeline if t['type'] != 'mmpretrain.RandomFlip']

train_dataloader = dict(
    batch_size=64,
    num_workers=1,
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root,
                 data_prefix='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=1,
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root,
                 data_prefix='val', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(topk=(1, ))
test_evaluator = val_evaluator
