# ViLT-B/32 COCO 5k retrieval fine-tuning with the official
# hyper-parameters (see ../_base_/vilt_retrieval_finetune.py).
_base_ = [
    '../_base_/vilt_retrieval_finetune.py',
    '../_base_/datasets/coco_karpathy_retrieval.py',
]
