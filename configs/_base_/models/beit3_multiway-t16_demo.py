# BEiT-3 sized for the demo world (the family's demo image path: a 4-layer
# 192-wide Multiway Transformer, 768-wide FFNs, on 96 px scenes, 36 patches
# of 16 px), the demo world's closed word vocabulary (DemoWorldTokenizer),
# 48 tokens, no stochastic depth. Pretraining reads the k-means visual
# tokenizer built by
#   python tools/analysis_tools/build_visual_tokenizer.py \
#       configs/beit3/beit3_multiway-t16_1xb64-5e_demo-world-pretrain.py
_base_ = ['./beit3_multiway-b16.py', './demo_world_visual_tokenizer.py']
model = dict(
    arch=dict(img_size=96, patch_size=16, encoder_embed_dim=192,
              encoder_attention_heads=3, encoder_ffn_embed_dim=768,
              encoder_layers=4),
    tokenizer=dict(_delete_=True, type='DemoWorldTokenizer'),
    max_text_length=48,
    visual_tokenizer=_base_.demo_world_visual_tokenizer)
