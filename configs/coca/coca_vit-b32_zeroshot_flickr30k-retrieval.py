# Zero-shot Flickr30K 1k retrieval with open_clip's CoCa ViT-B/32, test
# only (see the COCO config for the command and the checkpoint).
_base_ = [
    '../_base_/models/coca_vit-b32.py',
    '../_base_/zeroshot_retrieval_flickr30k.py',
]
model = dict(
    pretrained='data/pretrained/coca_ViT-B-32_laion2b_s13b_b90k.bin',
    tokenizer=dict(truncate=True))
