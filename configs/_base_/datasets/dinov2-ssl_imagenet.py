# Images for DINOv2 self-supervised pretraining: every image under
# data/imagenet/train (any folder tree; labels are not read), the official
# multi-crop augmentation (2 global crops 224 px, area 0.32-1; 8 local crops
# 98 px, area 0.05-0.32; colour jitter, grayscale, blur, solarisation) and
# the iBOT block masks drawn per batch by the collate (half of the global
# crops masked, ratios spread over 0.1-0.5). To pretrain on other images
# change data_root / data_prefix (any folder) or the dataset (see
# configs/dinov2/README.md).
dataset_type = 'mmpretrain.CustomDataset'
data_root = 'data/imagenet'
global_crop_size = 224
local_crop_size = 98
num_local_crops = 8
patch_size = 14

data_preprocessor = dict(
    type='DINOv2DataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='DINOv2MultiCrop',
         global_crop_size=global_crop_size,
         local_crop_size=local_crop_size,
         num_local_crops=num_local_crops,
         global_crop_scale=(0.32, 1.0),
         local_crop_scale=(0.05, 0.32)),
    dict(type='mmpretrain.PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=10,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='mmvision_plus.dinov2_collate',
                    patch_size=patch_size,
                    mask_ratio_range=(0.1, 0.5),
                    mask_probability=0.5),
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix='train', with_label=False,
                 pipeline=train_pipeline))
