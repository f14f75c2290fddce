# BEiT-3 base retrieval fine-tuning with the official hyper-parameters of
# get_started_for_retrieval.md (COCO's; Flickr30K changes lr and epochs)
# without the data (configs/beit3/*-retrieval.py add COCO or Flickr30K):
# 384 px, 16 GPUs x 192 = 3,072 pairs, the dual encoder (BEiT3ForRetrieval,
# ITC), AdamW lr 2e-4 weight decay 0.05 (none on 1-d parameters, position
# embeddings, [CLS] and the logit scale), layer-wise lr decay 0.65, 15
# epochs with 3 warm-up epochs then cosine decay, stochastic depth 0.2.
# Starts from the official beit3_base_itc_patch16_224.pth (official key
# layout: loads as it is; its text embedding needs the XLM-R SentencePiece
# tokenizer, see ./models/beit3_multiway-b16.py; the 224 px position
# embedding is not interpolated here).
_base_ = [
    './models/beit3_multiway-b16.py',
    './image_text_nodistill_runtime.py',
]
model = dict(arch=dict(img_size=384, drop_path_rate=0.2), tasks=('itc', ))
load_from = 'data/pretrained/beit3_base_itc_patch16_224.pth'

max_epochs = 15
warmup_epochs = 3
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=1)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=0.05, eps=1e-8,
                   betas=(0.9, 0.999)),
    constructor='mmpretrain.LearningRateDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        flat_decay_mult=0.,
        custom_keys={
            'embed_positions': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.),
            'logit_scale': dict(decay_mult=0.),
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min=1e-6, by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=3072)
