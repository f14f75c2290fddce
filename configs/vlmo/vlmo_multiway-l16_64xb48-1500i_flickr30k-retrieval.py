# VLMo-Large Flickr30K 1k retrieval fine-tuning, the official
# hyper-parameters of task_finetune_irtr_f30k_large_image384: as for COCO
# (../_base_/vlmo_retrieval_finetune.py: 384 px, 3,072 pairs per step,
# AdamW lr 2e-5, stochastic depth 0.2) but 1,500 steps with a 150-step
# warm-up.
_base_ = [
    '../_base_/vlmo_retrieval_finetune.py',
    '../_base_/datasets/flickr30k_retrieval.py',
]
train_dataloader = dict(batch_size=48)
max_iters = 1500
warmup_iters = 150
train_cfg = dict(max_iters=max_iters, val_interval=500)
param_scheduler = [
    dict(_base_.param_scheduler[0], end=warmup_iters),
    dict(_base_.param_scheduler[1], begin=warmup_iters, end=max_iters)
]
default_hooks = dict(checkpoint=dict(interval=500))
