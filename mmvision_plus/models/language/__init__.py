from .bert_text_encoder import BertTextEncoder, resolve_text_model_dir
__all__: list = []
__all__ += ['BertTextEncoder', 'resolve_text_model_dir']
