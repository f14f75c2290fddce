# Zero-shot COCO 5k retrieval with open_clip's CoCa ViT-B/32 (open_clip's
# published layout, e.g. the laion2b_s13b_b90k weights), test only:
#   python tools/test.py configs/coca/coca_vit-b32_zeroshot_coco-retrieval.py \
#       none --cfg-options \
#       model.pretrained=data/pretrained/coca_ViT-B-32_laion2b_s13b_b90k.bin
# (an open_clip CoCa state dict, loaded strictly). Images resized to 224 px,
# captions cleaned as BLIP does; dual-encoder ranking (contrastive
# embeddings).
_base_ = [
    '../_base_/models/coca_vit-b32.py',
    '../_base_/datasets/coco_karpathy_retrieval.py',
    '../_base_/image_text_runtime.py',
]
model = dict(pretrained='data/pretrained/coca_ViT-B-32_laion2b_s13b_b90k.bin')
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
# no momentum distillation: no alpha ramp
custom_hooks = [
    dict(type='CheckFiniteLossHook', interval=1),
    dict(type='RetrievalMeanHook'),
]
