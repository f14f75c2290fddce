# ALBEF sized for the demo world on a 2-core CPU: a 4-layer 192-wide ViT/16
# on 96 px scenes (36 patches) and a 4-layer 192-wide BERT (2 text layers +
# 2 multimodal layers with cross-attention) over the demo world's closed
# word vocabulary (DemoWorldTokenizer, 63 ids), all from scratch; 128-d ITC
# space, queue 1,024, ITC + ITM (hard negatives) + MLM with momentum
# distillation (alpha 0.4, ramped over the first epoch); retrieval re-ranks
# the top 16 with ITM.
_base_ = './albef_vit-b16_bert-base.py'
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
