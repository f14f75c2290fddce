# ALBEF COCO 5k retrieval fine-tuning with the official hyper-parameters
# (configs/Retrieval_coco.yaml): 384 px, 8 GPUs x 32, ITC + ITM (no MLM)
# with momentum distillation (alpha 0.4 ramped over the first epoch),
# queue 65,536, AdamW lr 1e-5 weight decay 0.02, cosine to 1e-6 over 5
# epochs; test with ITM re-ranking of the top 256; captions cleaned to 30
# words. Starts from the official pretrained checkpoint converted with
#   python tools/model_converters/albef2mmvp.py ALBEF.pth \
#       data/pretrained/albef_4m_mmvp.pth
_base_ = [
    '../_base_/models/albef_vit-b16_bert-base.py',
    '../_base_/datasets/coco_karpathy_retrieval.py',
    '../_base_/image_text_runtime.py',
]
model = dict(visual_encoder=dict(img_size=384),
             text_encoder=dict(with_token_head=False), with_mlm=False,
             max_text_length=30, rerank_topk=256)
load_from = 'data/pretrained/albef_4m_mmvp.pth'

max_epochs = 5
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=1)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-5, weight_decay=0.02),
    paramwise_cfg=dict(bypass_duplicate=True))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-6,
         by_epoch=True, begin=0, end=max_epochs)
]
auto_scale_lr = dict(enable=False, base_batch_size=256)
