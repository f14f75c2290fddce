# Zero-shot Flickr30K 1k retrieval with OpenAI's CLIP ViT-B/16 (see the
# COCO config for the command); the data of ../_base_/datasets/
# flickr30k_retrieval.py.
_base_ = [
    '../_base_/models/clip_vit-b16_zeroshot.py',
    '../_base_/zeroshot_retrieval_flickr30k.py',
]
