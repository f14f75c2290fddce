"""Atomic writing: files, the ``DONE`` marker and the world directory.

A world is generated into a hidden sibling directory
(``.<name>.tmp-<pid>``), finished with its ``DONE`` marker and renamed into
place, so an interrupted run never leaves a directory that looks complete;
temporaries of killed runs are removed by the next run. Each file is
written under a hidden temporary name in its own directory and renamed
when complete, so a writer also leaves no half-written file when it is
pointed at a directory outside the staging one.
"""
import json
import os
import pickle
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator, Optional, Union

import numpy as np
from PIL import Image

#: Name of the completion marker (json) of a generated world.
MARKER = 'DONE'


@contextmanager
def _atomic_open(path: Path, mode: str) -> Iterator[IO]:
    """Open a hidden temporary next to ``path``; rename it to ``path`` when
    the block completes, delete it when the block raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f'.{path.name}.part-{os.getpid()}')
    try:
        with open(tmp, mode) as f:
            yield f
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def dump_json(obj: object, path: Path) -> None:
    """Write ``obj`` as compact json."""
    with _atomic_open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))


def dump_pickle(obj: object, path: Path) -> None:
    """Pickle ``obj`` (protocol 4, readable by Python >= 3.4)."""
    with _atomic_open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=4)


def save_png(arr: np.ndarray, path: Path) -> None:
    """Write a (H, W, 3) uint8 or (H, W) uint16 array as PNG."""
    with _atomic_open(path, 'wb') as f:
        # fast zlib level: noisy renders barely compress better at level 6
        Image.fromarray(arr).save(f, format='PNG', compress_level=1)


def save_jpeg(arr: np.ndarray, path: Path) -> None:
    """Write a (H, W, 3) uint8 array as JPEG (quality 90)."""
    with _atomic_open(path, 'wb') as f:
        Image.fromarray(arr).save(f, format='JPEG', quality=90)


def write_marker(out_dir: Path, marker: dict) -> None:
    """Write the ``DONE`` marker (json) of a finished world."""
    with _atomic_open(out_dir / MARKER, 'w') as f:
        json.dump(marker, f, indent=2, sort_keys=True)


def read_marker(out_dir: Union[str, Path]) -> Optional[dict]:
    """The ``DONE`` marker of a generated world, or None if incomplete."""
    path = Path(out_dir) / MARKER
    if not path.is_file():
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _remove_stale_temporaries(out_dir: Path) -> None:
    """Delete temporary siblings left by generations that were killed."""
    for path in [*out_dir.parent.glob(f'.{out_dir.name}.tmp-*'),
                 *out_dir.parent.glob(f'.{out_dir.name}.old-*')]:
        pid = path.name.rsplit('-', 1)[-1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass


def _move_into_place(tmp: Path, out_dir: Path) -> None:
    """Rename the finished ``tmp`` to ``out_dir``, replacing an old one."""
    old = None
    if out_dir.exists():
        old = out_dir.parent / f'.{out_dir.name}.old-{os.getpid()}'
        shutil.rmtree(old, ignore_errors=True)
        out_dir.rename(old)
    try:
        tmp.rename(out_dir)
    except OSError:
        # another process finished first: keep a complete world it wrote
        if read_marker(out_dir) is None:
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged_directory(out_dir: Path) -> Iterator[Path]:
    """A hidden empty sibling of ``out_dir`` to write a world into.

    When the block completes, the staged directory replaces ``out_dir``;
    when it raises, the staged directory is deleted and ``out_dir`` stays
    as it was.

    Args:
        out_dir (Path): Absolute target directory.

    Yields:
        Path: The staged directory.
    """
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(out_dir)
    tmp = out_dir.parent / f'.{out_dir.name}.tmp-{os.getpid()}'
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        _move_into_place(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
