# VLMo-Large COCO 5k retrieval fine-tuning with the official
# hyper-parameters (task_finetune_irtr_coco_large_image384, see
# ../_base_/vlmo_retrieval_finetune.py): 3,000 steps, 300 of warm-up.
_base_ = [
    '../_base_/vlmo_retrieval_finetune.py',
    '../_base_/datasets/coco_karpathy_retrieval.py',
]
train_dataloader = dict(batch_size=48)
