# ALBEF COCO 5k retrieval fine-tuning with the official hyper-parameters
# (configs/Retrieval_coco.yaml, see ../_base_/albef_retrieval_finetune.py):
# 8 GPUs x 32, 5 epochs, ITM re-ranking of the top 256.
_base_ = [
    '../_base_/albef_retrieval_finetune.py',
    '../_base_/datasets/coco_karpathy_retrieval.py',
]
