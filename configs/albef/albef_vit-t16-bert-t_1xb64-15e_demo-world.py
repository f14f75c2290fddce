# ALBEF on the demo world, sized for a 2-core CPU: a 4-layer 192-wide
# ViT/16 on 96 px scenes (36 patches) and a 4-layer 192-wide BERT (2 text
# layers + 2 multimodal layers with cross-attention) over the demo world's
# closed word vocabulary (DemoWorldTokenizer, 63 ids), all from scratch;
# 128-d ITC space, queue 1,024 (the train split has 2,400 captions),
# ITC + ITM (hard negatives) + MLM with momentum distillation (alpha 0.4,
# ramped over the first epoch); retrieval re-ranks the top 16 with ITM.
# AdamW lr 5e-4, batch 64, 15 epochs (about 1.7 CPU s per iteration
# single-threaded, so 16 minutes; --amp (bf16) halves it).
_base_ = [
    '../_base_/models/albef_vit-b16_bert-base.py',
    '../_base_/datasets/demo_world_image_text.py',
    '../_base_/schedules/image_text_demo_adamw_15e.py',
    '../_base_/image_text_runtime.py',
]
model = dict(
    visual_encoder=dict(img_size=96, embed_dims=192, num_layers=4,
                        num_heads=3),
    text_encoder=dict(
        arch=dict(_delete_=True, hidden_size=192, num_hidden_layers=4,
                  num_attention_heads=3, intermediate_size=768,
                  max_position_embeddings=64, type_vocab_size=1),
        cross_attention_from=2),
    tokenizer=dict(_delete_=True, type='DemoWorldTokenizer'),
    max_text_length=48,  # the longest demo caption has 45 words and marks
    embed_dim=128,
    queue_size=1024,
    rerank_topk=16)

default_hooks = dict(checkpoint=dict(interval=5))
