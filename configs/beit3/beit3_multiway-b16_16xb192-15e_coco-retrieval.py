# BEiT-3 base COCO 5k retrieval fine-tuning with the official
# hyper-parameters (see ../_base_/beit3_retrieval_finetune.py): lr 2e-4,
# 15 epochs, 3 warm-up epochs.
_base_ = [
    '../_base_/beit3_retrieval_finetune.py',
    '../_base_/datasets/coco_karpathy_retrieval.py',
]
train_dataloader = dict(batch_size=192)
