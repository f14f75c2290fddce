# BLIP-base Flickr30K 1k retrieval fine-tuning, official hyper-parameters
# (configs/retrieval_flickr.yaml): as for COCO but ITM re-ranking of the
# top 128.
_base_ = [
    '../_base_/blip_retrieval_finetune.py',
    '../_base_/datasets/flickr30k_retrieval.py',
]
model = dict(rerank_topk=128)
