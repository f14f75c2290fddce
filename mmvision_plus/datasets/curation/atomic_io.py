"""Atomic file writes: a temporary sibling file renamed into place.

A reader (or a resumed run) sees either the old file or the complete new
one, never a half-written file, even when the writer is killed: the data
goes to ``.<name>.tmp-<pid>`` in the same directory, is flushed to disk and
then ``os.replace``-d over the target (atomic on POSIX file systems).
"""
import contextlib
import json
import os
import os.path as osp
from typing import IO, Any, Iterator, Optional

import numpy as np

TMP_MARK = '.tmp-'


@contextlib.contextmanager
def atomic_open(path: str, mode: str = 'w') -> Iterator[IO]:
    """Open ``path`` for writing; it appears only when the block succeeds.

    Args:
        path: Target file. Its directory must exist.
        mode: ``'w'`` (text) or ``'wb'`` (binary).

    Yields:
        The open temporary file. On an exception it is removed and the
        target is left as it was.
    """
    if mode not in ('w', 'wb'):
        raise ValueError(f"atomic_open: mode must be 'w' or 'wb', got "
                         f'{mode!r}')
    directory, name = osp.split(osp.abspath(path))
    tmp = osp.join(directory, f'.{name}{TMP_MARK}{os.getpid()}')
    try:
        with open(tmp, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path, 'w') as f:
        f.write(text)


def write_json_atomic(path: str, data: Any, indent: Optional[int] = 2) -> None:
    """Write ``data`` as JSON (``indent=None``: compact) atomically."""
    with atomic_open(path, 'w') as f:
        json.dump(data, f, indent=indent)
        f.write('\n')


def save_npy_atomic(path: str, array: np.ndarray) -> None:
    """``np.save`` ``array`` to ``path`` (exact name, no suffix added)."""
    with atomic_open(path, 'wb') as f:
        np.save(f, array)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def remove_stale_temporaries(directory: str) -> int:
    """Delete temporaries that killed writers left in ``directory``.

    Temporaries of a live process (by the pid in their name) are kept.

    Returns:
        int: How many were removed.
    """
    removed = 0
    for name in os.listdir(directory):
        if not name.startswith('.') or TMP_MARK not in name:
            continue
        pid = name.rsplit(TMP_MARK, 1)[1]
        if pid.isdigit() and _process_alive(int(pid)):
            continue
        os.remove(osp.join(directory, name))
        removed += 1
    return removed
