# Zero-shot COCO 5k retrieval, the protocol of the CLIP paper (no
# fine-tuning, test only) without the model (configs/clip/ and configs/coca/
# *_zeroshot_coco-retrieval.py add it): images resized to 224 px, captions
# cleaned as BLIP does, dual-encoder ranking; R@1/5/10 and their means.
_base_ = [
    './datasets/coco_karpathy_retrieval.py',
    './image_text_nodistill_runtime.py',
]
img_scale = 224
test_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='mmpretrain.Resize', scale=(img_scale, img_scale),
         interpolation='bicubic', backend='pillow'),
    dict(type='mmpretrain.CleanCaption', keys='text'),
    dict(type='mmpretrain.PackInputs',
         algorithm_keys=['text', 'image_id', 'gt_text_id', 'gt_image_id'],
         meta_keys=['img_path']),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
