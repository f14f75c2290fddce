from .bert_text_encoder import BertTextEncoder, resolve_text_model_dir
from .tokenizers import (CLIPBPETokenizer, TextTokenizer, WordPieceTokenizer,
                         build_text_tokenizer)
__all__: list = []
__all__ += ['BertTextEncoder', 'resolve_text_model_dir']
__all__ += ['CLIPBPETokenizer', 'TextTokenizer', 'WordPieceTokenizer',
            'build_text_tokenizer']
