# CoCa ViT-B/32 (coca_vit-b32.py) with open_clip's laion2b_s13b_b90k
# weights for the zero-shot retrieval configs (COCO, Flickr30K): captions
# longer than 76 BPE tokens are cut instead of stopping the test.
_base_ = './coca_vit-b32.py'
model = dict(
    pretrained='data/pretrained/coca_ViT-B-32_laion2b_s13b_b90k.bin',
    tokenizer=dict(truncate=True))
