# COCO retrieval on the Karpathy split in ALBEF's / BLIP's json layout:
#   data/coco/annotations/coco_karpathy_{train,val,test}.json
#   data/coco/{train2014,val2014}/*.jpg   (paths in the json: val2014/...)
# 113k train images, 5k val, 5k test (5 captions each). 384 px, the
# augmentation of BLIP's fine-tuning (random resized crop 0.5-1, flip,
# RandAugment with 2 ops of magnitude 5; captions cleaned as BLIP does).
dataset_type = 'KarpathyImageText'
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
pack_keys = ['text', 'image_id', 'gt_caption', 'gt_text_id', 'gt_image_id']
train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=img_scale,
         crop_ratio_range=(0.5, 1.0), interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.RandAugment', policies=rand_increasing_policies,
         num_policies=2, magnitude_level=5),
    dict(type='mmpretrain.CleanCaption', keys='text'),
    dict(type='mmpretrain.PackInputs', algorithm_keys=pack_keys,
         meta_keys=['img_path']),
]
test_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='mmpretrain.Resize', scale=(img_scale, img_scale),
         interpolation='bicubic', backend='pillow'),
    dict(type='mmpretrain.CleanCaption', keys='text'),
    dict(type='mmpretrain.PackInputs', algorithm_keys=pack_keys,
         meta_keys=['img_path']),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/coco_karpathy_train.json',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/coco_karpathy_val.json',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'],
                 ann_file='annotations/coco_karpathy_test.json'))

val_cfg = dict(type='mmpretrain.RetrievalValLoop')
test_cfg = dict(type='mmpretrain.RetrievalTestLoop')
# mmpretrain's RetrievalRecall calls np.in1d (gone in numpy 2):
# ImageTextRecall computes the same R@K
val_evaluator = dict(type='ImageTextRecall', topk=(1, 5, 10))
test_evaluator = val_evaluator
