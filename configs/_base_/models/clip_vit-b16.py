# CLIP ViT-B/16 (OpenAI's architecture, open_clip's model class): 224 px,
# 12-layer 768-wide ViT, 12-layer 512-wide causal text transformer with
# the 49,408-token BPE vocabulary, 512-d embeddings, QuickGELU.
_base_ = './data_preprocessors/clip_pixels.py'
model = dict(
    type='ClipDualEncoder',
    clip=dict(
        embed_dim=512,
        quick_gelu=True,
        vision_cfg=dict(layers=12, width=768, head_width=64, patch_size=16,
                        image_size=224),
        text_cfg=dict(context_length=77, vocab_size=49408, width=512,
                      heads=8, layers=12)),
    tokenizer=dict(type='CLIPBPETokenizer'),
    max_text_length=77,
    loss=dict(type='ITCLoss'))
