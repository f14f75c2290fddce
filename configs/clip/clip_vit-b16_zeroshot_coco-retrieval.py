# Zero-shot COCO 5k retrieval with OpenAI's CLIP ViT-B/16, the protocol of
# the CLIP paper (no fine-tuning): test only,
#   python tools/test.py configs/clip/clip_vit-b16_zeroshot_coco-retrieval.py \
#       none --cfg-options model.pretrained=data/pretrained/ViT-B-16.pt
# (OpenAI's TorchScript file or an open_clip state dict; loaded strictly).
# Images are resized to 224 px, captions cleaned as BLIP does
# (../_base_/zeroshot_retrieval.py).
_base_ = [
    '../_base_/models/clip_vit-b16_zeroshot.py',
    '../_base_/zeroshot_retrieval.py',
]
