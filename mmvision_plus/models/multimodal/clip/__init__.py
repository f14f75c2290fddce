from .clip import DEFAULT_TEMPLATES, ClipDualEncoder, build_open_clip_model

__all__ = ['ClipDualEncoder', 'DEFAULT_TEMPLATES', 'build_open_clip_model']
