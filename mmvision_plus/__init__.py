from .utils.atomic_io import enable_atomic_checkpoint_saving
from .utils.checkpoint_compat import enable_safe_checkpoint_loading
from .utils.checkpoint_errors import enable_checkpoint_load_errors
from .version import __version__

# Every entry point that imports the package (our tools, mmdet's tools with
# ``custom_imports``, a notebook) can resume/load Runner checkpoints safely,
# gets a clear error for a file that is not a loadable checkpoint, and saves
# checkpoints atomically.
enable_safe_checkpoint_loading()
enable_checkpoint_load_errors()
enable_atomic_checkpoint_saving()

from .utils import register_all_modules  # noqa: E402

__all__ = ['__version__', 'register_all_modules']
