"""The curation's files, each written with
:func:`mmvision_plus.utils.atomic_write`.

A reader (or a resumed run) sees either the old file or the complete new
one, never a half-written file, even when the writer is killed: the data
goes to a temporary sibling file, is synced to disk and renamed over the
target. :func:`mmvision_plus.utils.remove_stale_temporaries` deletes the
temporaries that killed writers left behind.
"""
import json
from typing import Any, Optional

import numpy as np

from mmvision_plus.utils.atomic_io import atomic_write


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_write(path, 'w') as f:
        f.write(text)


def write_json_atomic(path: str, data: Any, indent: Optional[int] = 2) -> None:
    """Write ``data`` as JSON (``indent=None``: compact) atomically."""
    with atomic_write(path, 'w') as f:
        json.dump(data, f, indent=indent)
        f.write('\n')


def save_npy_atomic(path: str, array: np.ndarray) -> None:
    """``np.save`` ``array`` to ``path`` (exact name, no suffix added)."""
    with atomic_write(path, 'wb') as f:
        np.save(f, array)
