from .bert_text_encoder import BertTextEncoder, resolve_text_model_dir
from .clip_text_encoder import (CLIPBPETokenizer, CLIPCheckpointError,
                                CLIPTextEncoder, EmptyPromptError,
                                PromptTooLongError, clip_text_state_dict,
                                convert_openai_clip_text)
__all__: list = []
__all__ += ['BertTextEncoder', 'resolve_text_model_dir']
__all__ += ['CLIPBPETokenizer', 'CLIPCheckpointError', 'CLIPTextEncoder',
            'EmptyPromptError', 'PromptTooLongError', 'clip_text_state_dict',
            'convert_openai_clip_text']
