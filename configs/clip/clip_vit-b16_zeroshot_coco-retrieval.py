# Zero-shot COCO 5k retrieval with OpenAI's CLIP ViT-B/16, the protocol of
# the CLIP paper (no fine-tuning): test only,
#   python tools/test.py configs/clip/clip_vit-b16_zeroshot_coco-retrieval.py \
#       none --cfg-options model.pretrained=data/pretrained/ViT-B-16.pt
# (OpenAI's TorchScript file or an open_clip state dict; loaded strictly).
# Images are resized to 224 px, captions cleaned as BLIP does.
_base_ = [
    '../_base_/models/clip_vit-b16.py',
    '../_base_/datasets/coco_karpathy_retrieval.py',
    '../_base_/image_text_runtime.py',
]
# A few COCO / Flickr30K captions exceed CLIP's 77 BPE tokens: cut them as
# CLIP's evaluation does (first 76 tokens, end token last; a warning each)
# instead of stopping the test with PromptTooLongError.
model = dict(pretrained='data/pretrained/ViT-B-16.pt',
             tokenizer=dict(truncate=True))
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
