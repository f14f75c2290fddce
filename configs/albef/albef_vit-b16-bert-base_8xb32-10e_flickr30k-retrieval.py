# ALBEF Flickr30K 1k retrieval fine-tuning, official hyper-parameters
# (configs/Retrieval_flickr.yaml): as for COCO but 10 epochs and ITM
# re-ranking of the top 128.
_base_ = [
    '../_base_/albef_retrieval_finetune.py',
    '../_base_/datasets/flickr30k_retrieval.py',
]
model = dict(rerank_topk=128)
max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
