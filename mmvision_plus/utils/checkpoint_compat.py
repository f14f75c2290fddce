"""Safe loading of mmengine Runner checkpoints on torch >= 2.6.

torch >= 2.6 loads with ``weights_only=True`` by default and mmengine 0.10.7
calls ``torch.load`` without ``weights_only=False``, so resuming (and
``tools/test.py CKPT``) fails on the objects a Runner checkpoint carries in
``meta['message_hub']``: :class:`~mmengine.logging.HistoryBuffer` instances
holding numpy arrays.

Turning ``weights_only`` off would let any checkpoint run arbitrary code.
Instead this module

1. makes :class:`HistoryBuffer` pickle only its data (``max_length`` and the
   two history arrays) and rebuild its statistics methods on load, so its
   pickle needs no ``builtins.getattr`` (the classic gadget that must never
   be allow-listed), and
2. allow-lists exactly the plain data types such a checkpoint holds:
   ``HistoryBuffer`` itself, numpy's array reconstruction / dtypes /
   scalars (plus ``_codecs.encode``, which numpy uses for raw bytes) and
   ``builtins.bytes`` (see :func:`_plain_data_builtins`).

Everything else still goes through the ``weights_only`` unpickler and is
rejected as before.
"""
import _codecs
from typing import Any, Dict, List

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def _history_buffer_getstate(self: HistoryBuffer) -> Dict[str, Any]:
    return dict(max_length=self.max_length,
                log_history=self._log_history,
                count_history=self._count_history)


def _history_buffer_setstate(self: HistoryBuffer,
                             state: Dict[str, Any]) -> None:
    # Old checkpoints (written before this patch) store the raw __dict__.
    self.max_length = state.get('max_length', 1000000)
    self._log_history = np.asarray(
        state.get('log_history', state.get('_log_history', [])))
    self._count_history = np.asarray(
        state.get('count_history', state.get('_count_history', [])))
    self._set_default_statistics()


def _numpy_safe_globals() -> List[Any]:
    """Numpy globals needed to rebuild arrays, dtypes and scalars."""
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray  # type: ignore[no-redef]
    safe: List[Any] = [multiarray._reconstruct, multiarray.scalar,
                       np.ndarray, np.dtype, _codecs.encode]
    # numpy >= 1.25 pickles dtypes through their concrete classes
    # (``numpy.dtypes.Float64DType`` ...).
    dtypes_module = getattr(np, 'dtypes', None)
    if dtypes_module is not None:
        safe += [getattr(dtypes_module, name) for name in dir(dtypes_module)
                 if name.endswith('DType')]
    return safe


def _plain_data_builtins() -> List[Any]:
    """Builtins that protocol-2 pickles of plain data call.

    ``torch.save`` pickles with protocol 2, where an empty byte string is
    written as a call ``builtins.bytes()`` (a non-empty one goes through
    ``_codecs.encode``). A numpy array with no elements has empty raw data,
    so a :class:`HistoryBuffer` that was created but never updated needs
    ``bytes``.

    ``bytes`` is not a gadget: whatever arguments a malicious pickle gives
    it, it only builds an immutable byte string and runs no code of the
    file's choosing. ``bytes()`` is ``b''``; ``bytes(n)`` is ``n`` zero
    bytes, exactly what ``builtins.bytearray`` (allowed by torch by default)
    already builds; ``bytes(iterable_of_ints)`` and ``bytes(buffer)`` copy
    data; ``bytes(text, encoding[, errors])`` is what ``_codecs.encode``
    (also allowed by torch by default) does; ``bytes(obj)`` calls
    ``obj.__bytes__`` / ``__index__`` / ``__iter__``, and the only objects
    the ``weights_only`` unpickler can hand it are allow-listed data types
    (tensors, numpy arrays and scalars, containers) whose methods only read
    their own data. Callables that turn data into code (``getattr``,
    ``eval``, ``exec``, ``__import__``, ``os.*``, ``subprocess.*``) stay
    blocked.
    """
    return [bytes]


def enable_safe_checkpoint_loading() -> None:
    """Patch :class:`HistoryBuffer` pickling and allow-list its data types.

    Idempotent (torch keeps the allow-list as a set); called when
    :mod:`mmvision_plus` is imported.
    """
    HistoryBuffer.__getstate__ = _history_buffer_getstate
    HistoryBuffer.__setstate__ = _history_buffer_setstate
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals([HistoryBuffer] +
                                             _numpy_safe_globals() +
                                             _plain_data_builtins())
