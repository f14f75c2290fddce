from .glee import GLEE, PromptError

__all__: list = ['GLEE', 'PromptError']
