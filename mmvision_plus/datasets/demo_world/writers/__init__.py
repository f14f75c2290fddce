"""One writer per format of the demo world."""
from .pedes import write_pedes
from .scene_parts import SCENE_PARTS, write_scenes
from .youtube_vis import write_videos

__all__ = ['SCENE_PARTS', 'write_pedes', 'write_scenes', 'write_videos']
