# BLIP-base COCO 5k retrieval fine-tuning with the official
# hyper-parameters (configs/retrieval_coco.yaml, see
# ../_base_/blip_retrieval_finetune.py): 8 GPUs x 32, 6 epochs, ITM
# re-ranking of the top 256.
_base_ = [
    '../_base_/blip_retrieval_finetune.py',
    '../_base_/datasets/coco_karpathy_retrieval.py',
]
