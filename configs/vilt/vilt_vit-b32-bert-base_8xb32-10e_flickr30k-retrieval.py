# ViLT-B/32 Flickr30K 1k retrieval fine-tuning, the official
# hyper-parameters of task_finetune_irtr_f30k (as for COCO, see
# ../_base_/vilt_retrieval_finetune.py).
_base_ = [
    '../_base_/vilt_retrieval_finetune.py',
    '../_base_/datasets/flickr30k_retrieval.py',
]
