from .utils.checkpoint_compat import enable_safe_checkpoint_loading
from .version import __version__

# Every entry point that imports the package (our tools, mmdet's tools with
# ``custom_imports``, a notebook) can resume/load Runner checkpoints safely.
enable_safe_checkpoint_loading()

from .utils import register_all_modules  # noqa: E402

__all__ = ['__version__', 'register_all_modules']
