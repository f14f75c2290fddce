# BLIP (MED) sized for the demo world on a 2-core CPU: a 4-layer 192-wide
# ViT/16 on 96 px scenes and a 3-layer 192-wide MED (encoder with
# cross-attention in every layer, decoder sharing all but the
# self-attention) over the demo world's closed word vocabulary
# (DemoWorldTokenizer + [DEC] + [ENC], 65 ids), all from scratch; ITC
# (queue 1,024, momentum distillation) + ITM (hard negatives) + LM (label
# smoothing 0.1), no prompt (demo captions already start "a ..."). Retrieval
# re-ranks the top 16 with ITM; captions are generated with up to 48 tokens.
_base_ = './blip_vit-b16_bert-base.py'
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
