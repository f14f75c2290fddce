"""Interrupt a process halfway through writing a file, for atomicity tests.

:func:`interrupt_writes` patches :func:`open` (``builtins.open`` and
``io.open``, so it catches mmengine's in-place writes and any temporary
file an atomic writer opens): the ``nth`` file opened for writing whose
name contains ``match`` receives the first half of its first ``write``,
flushed to disk, and then ``interrupt(path)`` runs: it raises (in-process
tests) or SIGKILLs the process (see :mod:`sigkill_while_writing`).
"""
import builtins
import contextlib
import io
import os
import os.path as osp
from typing import Any, Callable, Iterator


class WriteInterrupted(BaseException):
    """Raised halfway through a write, like a KeyboardInterrupt."""


class _HalfWriter:
    """A file whose first ``write`` stops halfway and interrupts."""

    def __init__(self, file: Any, path: str,
                 interrupt: Callable[[str], None]) -> None:
        self._file = file
        self._path = path
        self._interrupt = interrupt

    def write(self, data: Any) -> int:
        self._file.write(data[:len(data) // 2])
        self._file.flush()
        os.fsync(self._file.fileno())
        self._interrupt(self._path)
        raise AssertionError('interrupt() must not return')

    def __enter__(self) -> '_HalfWriter':
        return self

    def __exit__(self, *exc_info: Any) -> Any:
        return self._file.__exit__(*exc_info)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


@contextlib.contextmanager
def interrupt_writes(match: str, interrupt: Callable[[str], None],
                     nth: int = 1) -> Iterator[None]:
    """Interrupt the ``nth`` write-open of a file named like ``*match*``.

    Args:
        match (str): Part of the file's base name.
        interrupt (Callable[[str], None]): Called with the file's path
            after half of the data is on disk; must raise or end the
            process.
        nth (int): Which matching open to interrupt (1 = the first).
    """
    real_open = builtins.open
    seen = 0

    def open_(file: Any, mode: str = 'r', *args: Any, **kwargs: Any) -> Any:
        nonlocal seen
        opened = real_open(file, mode, *args, **kwargs)
        writing = any(flag in mode for flag in 'wxa')
        if writing and not isinstance(file, int) and \
                match in osp.basename(os.fspath(file)):
            seen += 1
            if seen == nth:
                return _HalfWriter(opened, os.fspath(file), interrupt)
        return opened

    builtins.open = io.open = open_
    try:
        yield
    finally:
        builtins.open = io.open = real_open
