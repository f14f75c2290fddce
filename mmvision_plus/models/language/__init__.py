from .bert_text_encoder import BertTextEncoder, resolve_text_model_dir
from .clip_text_encoder import (CLIPCheckpointError, CLIPTextEncoder,
                                clip_text_state_dict,
                                convert_openai_clip_text)
from .cross_attention_bert import (CrossAttentionBert, causal_padding_bias,
                                   padding_bias, tie_decoder_to_encoder)
from .tokenizers import (CLIPBPETokenizer, DemoWorldTokenizer,
                         EmptyPromptError, PromptTooLongError, TextTokenizer,
                         WordPieceTokenizer, build_text_tokenizer)
__all__: list = []
__all__ += ['BertTextEncoder', 'resolve_text_model_dir']
__all__ += ['CLIPBPETokenizer', 'TextTokenizer', 'WordPieceTokenizer',
            'build_text_tokenizer']
__all__ += ['CrossAttentionBert', 'DemoWorldTokenizer', 'causal_padding_bias',
            'padding_bias', 'tie_decoder_to_encoder']
__all__ += ['CLIPCheckpointError', 'CLIPTextEncoder', 'EmptyPromptError',
            'PromptTooLongError', 'clip_text_state_dict',
            'convert_openai_clip_text']
