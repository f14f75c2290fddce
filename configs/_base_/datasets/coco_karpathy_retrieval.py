# COCO retrieval on the Karpathy split in ALBEF's / BLIP's json layout:
#   data/coco/annotations/coco_karpathy_{train,val,test}.json
#   data/coco/{train2014,val2014}/*.jpg   (paths in the json: val2014/...)
# 113k train images, 5k val, 5k test (5 captions each). 384 px, the
# augmentation of BLIP's fine-tuning (random resized crop 0.5-1, flip,
# RandAugment with 2 ops of magnitude 5; captions cleaned as BLIP does).
_base_ = './image_text_retrieval.py'
data_root = 'data/coco/'
img_scale = 384

rand_increasing_policies = [
    dict(type='AutoContrast'),
    dict(type='Equalize'),
    dict(type='Rotate', magnitude_key='angle', magnitude_range=(0, 30)),
    dict(type='Brightness', magnitude_key='magnitude',
         magnitude_range=(0, 0.0)),
    dict(type='Sharpness', magnitude_key='magnitude', magnitude_range=(0, 0)),
    dict(type='Shear', magnitude_key='magnitude', magnitude_range=(0, 0.3),
         direction='horizontal'),
    dict(type='Shear', magnitude_key='magnitude', magnitude_range=(0, 0.3),
         direction='vertical'),
]
train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=img_scale,
         crop_ratio_range=(0.5, 1.0), interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.RandAugment', policies=rand_increasing_policies,
         num_policies=2, magnitude_level=5),
    dict(type='mmpretrain.CleanCaption', keys='text'),
    dict(type='mmpretrain.PackInputs', algorithm_keys=_base_.pack_keys,
         meta_keys=['img_path']),
]
test_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='mmpretrain.Resize', scale=(img_scale, img_scale),
         interpolation='bicubic', backend='pillow'),
    dict(type='mmpretrain.CleanCaption', keys='text'),
    dict(type='mmpretrain.PackInputs', algorithm_keys=_base_.pack_keys,
         meta_keys=['img_path']),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    dataset=dict(data_root=data_root,
                 ann_file='annotations/coco_karpathy_train.json',
                 pipeline=train_pipeline))
val_dataloader = dict(
    train_dataloader,
    batch_size=64,
    dataset=dict(train_dataloader['dataset'],
                 ann_file='annotations/coco_karpathy_val.json',
                 pipeline=test_pipeline))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'],
                 ann_file='annotations/coco_karpathy_test.json'))
