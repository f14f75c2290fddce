# OpenAI's CLIP ViT-B/16 (clip_vit-b16.py) with its published weights for
# the zero-shot retrieval configs (COCO, Flickr30K). A few COCO / Flickr30K
# captions exceed CLIP's 77 BPE tokens: cut them as CLIP's evaluation does
# (first 76 tokens, end token last; a warning each) instead of stopping
# the test with PromptTooLongError.
_base_ = './clip_vit-b16.py'
model = dict(pretrained='data/pretrained/ViT-B-16.pt',
             tokenizer=dict(truncate=True))
