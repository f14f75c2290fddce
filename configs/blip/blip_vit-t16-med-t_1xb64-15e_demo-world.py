# BLIP (MED) on the demo world, sized for a 2-core CPU: a 4-layer 192-wide
# ViT/16 on 96 px scenes and a 3-layer 192-wide MED (encoder with
# cross-attention in every layer, decoder sharing all but the
# self-attention) over the demo world's closed word vocabulary
# (DemoWorldTokenizer + [DEC] + [ENC], 65 ids), all from scratch; ITC
# (queue 1,024, momentum distillation) + ITM (hard negatives) + LM (label
# smoothing 0.1), no prompt (demo captions already start "a ..."). Validation
# is retrieval (ITM re-ranking of the top 16); the same checkpoint is
# scored as a captioner with the -caption config. AdamW lr 5e-4, batch 64,
# 15 epochs (about 1.9 CPU s per iteration single-threaded, so 18 minutes).
_base_ = [
    '../_base_/models/blip_vit-b16_bert-base.py',
    '../_base_/datasets/demo_world_image_text.py',
    '../_base_/schedules/image_text_demo_adamw_15e.py',
    '../_base_/image_text_runtime.py',
]
demo_bert = dict(hidden_size=192, num_hidden_layers=3, num_attention_heads=3,
                 intermediate_size=768, max_position_embeddings=64,
                 type_vocab_size=1)
model = dict(
    visual_encoder=dict(img_size=96, embed_dims=192, num_layers=4,
                        num_heads=3),
    text_encoder=dict(arch=dict(_delete_=True, **demo_bert)),
    text_decoder=dict(arch=dict(_delete_=True, **demo_bert)),
    tokenizer=dict(_delete_=True, type='DemoWorldTokenizer',
                   bos_token='[DEC]', extra_tokens=['[ENC]']),
    max_text_length=48,
    embed_dim=128,
    queue_size=1024,
    rerank_topk=16,
    generation=dict(max_length=48))

default_hooks = dict(checkpoint=dict(interval=5))
