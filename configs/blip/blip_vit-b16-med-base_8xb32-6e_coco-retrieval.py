# BLIP-base COCO 5k retrieval fine-tuning with the official
# hyper-parameters (configs/retrieval_coco.yaml): 384 px, 8 GPUs x 32,
# ITC + ITM with momentum distillation (alpha 0.4 ramped over the first
# epoch), queue 57,600, AdamW lr 1e-5 weight decay 0.05, cosine to 0 over
# 6 epochs; test with ITM re-ranking of the top 256 (ITM logit + ITC
# similarity); texts of 35 tokens. Starts from BLIP's pretrained
# checkpoint converted with
#   python tools/model_converters/blip2mmvp.py model_base.pth \
#       data/pretrained/blip_base_mmvp.pth
_base_ = [
    '../_base_/models/blip_vit-b16_bert-base.py',
    '../_base_/datasets/coco_karpathy_retrieval.py',
    '../_base_/image_text_runtime.py',
]
model = dict(tasks=('itc', 'itm'), max_text_length=35, rerank_topk=256)
load_from = 'data/pretrained/blip_base_mmvp.pth'

max_epochs = 6
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=1)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-5, weight_decay=0.05),
    paramwise_cfg=dict(bypass_duplicate=True))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=0,
         by_epoch=True, begin=0, end=max_epochs)
]
auto_scale_lr = dict(enable=False, base_batch_size=256)
