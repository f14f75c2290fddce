from .atomic_io import (atomic_write, enable_atomic_checkpoint_saving,
                        remove_stale_temporaries)
from .checkpoint_compat import enable_safe_checkpoint_loading
from .checkpoint_errors import (CheckpointLoadError,
                                enable_checkpoint_load_errors)
from .dist import setup_cpu_distributed, teardown_distributed
from .setup_env import register_all_modules

__all__ = [
    'CheckpointLoadError', 'atomic_write', 'enable_atomic_checkpoint_saving',
    'enable_checkpoint_load_errors', 'enable_safe_checkpoint_loading',
    'register_all_modules', 'remove_stale_temporaries',
    'setup_cpu_distributed', 'teardown_distributed'
]
