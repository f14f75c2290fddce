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
part. On failure the temporary file is removed. A SIGKILL can leave one
behind (never a truncated ``<name>``), named ``.<name>.<random>.tmp-<pid>``
after the writing process: :func:`remove_stale_temporaries` deletes those
whose process is gone, and keeps those of live writers.

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
import fnmatch
import os
import os.path as osp
import secrets
import shutil
from typing import IO, Any, Iterator, Optional, Sequence, Union

from mmengine.fileio.backends import local_backend
from mmengine.hooks import checkpoint_hook

PathLike = Union[str, 'os.PathLike[str]']

#: Marks a temporary file (or folder) ``...<TEMPORARY_MARK><pid>``.
TEMPORARY_MARK = '.tmp-'


@contextlib.contextmanager
def atomic_write(path: PathLike,
                 mode: str = 'wb',
                 sync: bool = True,
                 **open_kwargs: Any) -> Iterator[IO]:
    """Open ``path`` for writing so that it is replaced all at once.

    The yielded file is a temporary file next to ``path``,
    ``.<name>.<random>.tmp-<pid>``; when the block ends without error it is
    flushed, synced to disk (``sync``) and renamed over ``path``. A symlink
    at ``path`` keeps pointing at the replaced file. An existing destination
    that is not a regular file (``/dev/null``, a FIFO) cannot be replaced
    and is written in place.

    ``sync=False`` skips the ``fsync``: the rename still makes the file
    appear whole to every reader, but after a power loss (not a killed
    process) it may be empty. That suits files inside a folder that is
    itself staged and renamed into place once complete (the demo world's
    thousands of images), where a sync per file only costs time.

    Args:
        path (str | os.PathLike): The destination file.
        mode (str): ``'w'``, ``'wt'`` or ``'wb'``.
        sync (bool): ``fsync`` the file before the rename. Defaults to True.
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
    temporary = osp.join(
        directory,
        f'.{name}.{secrets.token_hex(4)}{TEMPORARY_MARK}{os.getpid()}')
    try:
        # 'x': a new file, created with the usual permissions (umask).
        with builtins.open(temporary, mode.replace('w', 'x'),
                           **open_kwargs) as file:
            yield file
            file.flush()
            if sync:
                os.fsync(file.fileno())
        if osp.exists(target):
            shutil.copymode(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (also one of another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def temporary_owner(name: str) -> Optional[int]:
    """The pid a temporary's name ends with (``...-<pid>``), or None."""
    pid = name.rpartition('-')[2]
    return int(pid) if pid.isdigit() else None


def remove_stale_temporaries(
        directory: PathLike,
        patterns: Sequence[str] = (f'.*{TEMPORARY_MARK}*', )) -> int:
    """Delete the temporaries that killed processes left in ``directory``.

    A temporary is an entry whose name matches one of ``patterns``
    (:mod:`fnmatch`; the default matches those of :func:`atomic_write`)
    and ends in ``-<pid>``. It is stale, and removed (a folder with its
    contents), when no process ``pid`` exists; the temporaries of live
    processes and names without a pid are kept.

    Args:
        directory (str | os.PathLike): The folder to sweep.
        patterns (Sequence[str]): Names of temporaries, e.g.
            ``'.world.tmp-*'``. Defaults to ``('.*.tmp-*',)``.

    Returns:
        int: How many entries were removed.
    """
    removed = 0
    for name in os.listdir(directory):
        if not any(fnmatch.fnmatchcase(name, p) for p in patterns):
            continue
        pid = temporary_owner(name)
        if pid is None or process_alive(pid):
            continue
        path = osp.join(directory, name)
        if osp.isdir(path) and not osp.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
        removed += 1
    return removed


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
    'TEMPORARY_MARK', 'atomic_write', 'enable_atomic_checkpoint_saving',
    'open_writing_atomically', 'process_alive', 'remove_stale_temporaries',
    'temporary_owner'
]
