# CoCa ViT-B/32 in open_clip's published layout (model_configs/
# coca_ViT-B-32.json): 224 px 12-layer 768-wide ViT with one attentional
# pooler of 256 queries (its first output the contrastive embedding),
# 12 unimodal causal text layers (512 wide, [CLS] appended) and 12
# multimodal layers cross-attending to the pooled tokens, 512-d
# embeddings, open_clip's BPE vocabulary, 76 tokens; CoCaLoss with
# contrastive weight 1 and captioning weight 2. open_clip CoCa checkpoint
# files (e.g. coca_ViT-B-32 laion2b_s13b_b90k) load into it strictly
# (model.pretrained=PATH).
_base_ = './data_preprocessors/clip_pixels.py'
model = dict(
    type='CoCa',
    clip=dict(
        embed_dim=512,
        pad_id=0,
        vision_cfg=dict(image_size=224, layers=12, width=768, patch_size=32,
                        attentional_pool=True, attn_pooler_heads=8,
                        output_tokens=True),
        text_cfg=dict(context_length=76, vocab_size=49408, width=512,
                      heads=8, layers=12, embed_cls=True, output_tokens=True),
        multimodal_cfg=dict(context_length=76, vocab_size=49408, width=512,
                            heads=8, layers=12, attn_pooler_heads=8)),
    tokenizer=dict(type='CLIPBPETokenizer'),
    max_text_length=76,
    contrastive_loss_weight=1.0,
    caption_loss_weight=2.0)
