from .glee import GLEE, PromptError
from .glee_video import GLEEVideo

__all__: list = ['GLEE', 'GLEEVideo', 'PromptError']
