from .checkpoint_compat import enable_safe_checkpoint_loading
from .dist import setup_cpu_distributed
from .setup_env import register_all_modules

__all__ = [
    'enable_safe_checkpoint_loading', 'register_all_modules',
    'setup_cpu_distributed'
]
