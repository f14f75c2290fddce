"""Atomic file writing, and mmengine's checkpoint saving made atomic.

mmengine 0.10.7 writes checkpoints in place: ``save_checkpoint`` pickles
into memory and ``LocalBackend.put`` then opens ``epoch_N.pth`` with
``'wb'`` and writes, and ``CheckpointHook`` rewrites ``last_checkpoint`` the
same way. A process killed meanwhile leaves a truncated ``epoch_N.pth`` (or
an empty ``last_checkpoint``) that ``--resume`` then trips over.

:func:`atomic_write` writes to a temporary file in the destination's
directory and renames it over the destination (:func:`os.replace`, atomic
on POSIX and Windows within one file system) only once everything is
written and flushed: a reader sees the old file or the new one, never a
part. On failure the temporary file is removed (a SIGKILL can leave one
behind, named ``.<name>.<random>.tmp``; never a truncated ``<name>``).

:func:`enable_atomic_checkpoint_saving` applies it where every checkpoint
write happens, in the least invasive way we found: mmengine's functions are
unchanged, only the name ``open`` inside the two modules that write
checkpoint files (``mmengine.fileio.backends.local_backend``, used by
``save_checkpoint`` of every Runner and strategy and by ``dump``, and
``mmengine.hooks.checkpoint_hook``, which writes ``last_checkpoint``) now
writes atomically; reading is untouched. Patching ``save_checkpoint``
instead would miss its copies bound by name in ``Runner`` and each strategy
and still leave ``last_checkpoint``; a CheckpointHook or Runner of our own
would only cover configs that name it.
"""
import builtins
import contextlib
import os
import os.path as osp
import secrets
import shutil
from typing import IO, Any, Iterator, Union

from mmengine.fileio.backends import local_backend
from mmengine.hooks import checkpoint_hook

PathLike = Union[str, 'os.PathLike[str]']


@contextlib.contextmanager
def atomic_write(path: PathLike,
                 mode: str = 'wb',
                 **open_kwargs: Any) -> Iterator[IO]:
    """Open ``path`` for writing so that it is replaced all at once.

    The yielded file is a temporary file next to ``path``; when the block
    ends without error it is flushed, synced to disk and renamed over
    ``path``. A symlink at ``path`` keeps pointing at the replaced file.
    An existing destination that is not a regular file (``/dev/null``, a
    FIFO) cannot be replaced and is written in place.

    Args:
        path (str | os.PathLike): The destination file.
        mode (str): ``'w'``, ``'wt'`` or ``'wb'``.
        **open_kwargs: Passed to :func:`open` (``encoding``, ...).

    Yields:
        IO: The open temporary file.
    """
    if mode not in ('w', 'wt', 'wb'):
        raise ValueError(f'atomic_write needs mode "w", "wt" or "wb", got '
                         f'{mode!r} (for {path})')
    target = osp.realpath(path)
    if osp.exists(target) and not osp.isfile(target):
        with builtins.open(path, mode, **open_kwargs) as file:
            yield file
        return
    directory, name = osp.split(target)
    temporary = osp.join(directory, f'.{name}.{secrets.token_hex(4)}.tmp')
    try:
        # 'x': a new file, created with the usual permissions (umask).
        with builtins.open(temporary, mode.replace('w', 'x'),
                           **open_kwargs) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        if osp.exists(target):
            shutil.copymode(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


# :func:`open`'s parameters after ``mode``, to name positional arguments.
_OPEN_PARAMETERS = ('buffering', 'encoding', 'errors', 'newline', 'closefd',
                    'opener')


def open_writing_atomically(file: Any, mode: str = 'r', *args: Any,
                            **kwargs: Any) -> Any:
    """:func:`open`, except that ``'w'``/``'wb'`` use :func:`atomic_write`.

    A drop-in for ``with open(path, mode) as f`` blocks; other modes and
    file descriptors go to the builtin unchanged.
    """
    if mode in ('w', 'wt', 'wb') and not isinstance(file, int):
        kwargs.update(zip(_OPEN_PARAMETERS, args))
        return atomic_write(file, mode, **kwargs)
    return builtins.open(file, mode, *args, **kwargs)


# The mmengine modules whose ``open`` writes checkpoint files.
_CHECKPOINT_WRITING_MODULES = (local_backend, checkpoint_hook)


def enable_atomic_checkpoint_saving() -> None:
    """Make mmengine write checkpoints and ``last_checkpoint`` atomically.

    Idempotent; called when :mod:`mmvision_plus` is imported.
    """
    for module in _CHECKPOINT_WRITING_MODULES:
        module.open = open_writing_atomically


__all__ = [
    'atomic_write', 'enable_atomic_checkpoint_saving',
    'open_writing_atomically'
]
