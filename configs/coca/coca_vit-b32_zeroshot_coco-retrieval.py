# Zero-shot COCO 5k retrieval with open_clip's CoCa ViT-B/32 (open_clip's
# published layout, e.g. the laion2b_s13b_b90k weights), test only:
#   python tools/test.py configs/coca/coca_vit-b32_zeroshot_coco-retrieval.py \
#       none --cfg-options \
#       model.pretrained=data/pretrained/coca_ViT-B-32_laion2b_s13b_b90k.bin
# (an open_clip CoCa state dict, loaded strictly). The protocol of
# ../_base_/zeroshot_retrieval.py (224 px, dual-encoder ranking of the
# contrastive embeddings); captions longer than 76 BPE tokens are cut.
_base_ = [
    '../_base_/models/coca_vit-b32_zeroshot.py',
    '../_base_/zeroshot_retrieval.py',
]
