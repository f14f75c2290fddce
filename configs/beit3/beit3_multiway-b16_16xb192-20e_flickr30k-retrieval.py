# BEiT-3 base Flickr30K 1k retrieval fine-tuning, official
# hyper-parameters: as for COCO (../_base_/beit3_retrieval_finetune.py) but
# lr 1e-4, 20 epochs, 5 warm-up epochs.
_base_ = [
    '../_base_/beit3_retrieval_finetune.py',
    '../_base_/datasets/flickr30k_retrieval.py',
]
train_dataloader = dict(batch_size=192)
max_epochs = 20
warmup_epochs = 5
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = [
    dict(_base_.param_scheduler[0], end=warmup_epochs),
    dict(_base_.param_scheduler[1], T_max=max_epochs - warmup_epochs,
         begin=warmup_epochs, end=max_epochs)
]
