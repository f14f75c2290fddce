# Zero-shot Flickr30K 1k retrieval with open_clip's CoCa ViT-B/32, test
# only (see the COCO config for the command and the checkpoint).
_base_ = [
    '../_base_/models/coca_vit-b32_zeroshot.py',
    '../_base_/zeroshot_retrieval_flickr30k.py',
]
