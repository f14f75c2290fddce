"""Clear errors for checkpoint files that cannot be loaded.

When ``torch.load`` (``weights_only`` by default since torch 2.6) fails on a
local file, torch blames ``weights_only`` whatever went wrong: a truncated
checkpoint, a text file or a file holding ``os.system`` all end in "Weights
only load failed ... Re-running ``torch.load`` with ``weights_only`` set to
``False`` will likely succeed". For a damaged file that is wrong, and for a
malicious one it is dangerous advice.

:func:`load_from_local` replaces mmengine's loader of local paths
(:func:`mmengine.runner.checkpoint.load_from_local`) through mmengine's own
extension point, :meth:`CheckpointLoader.register_scheme`. Every mmengine
load of a local file goes through that loader: ``Runner.load_checkpoint``
(``load_from``, ``tools/test.py``), ``Runner.resume`` (``--resume``),
:func:`mmengine.runner.load_checkpoint` and ``init_cfg=dict(
type='Pretrained')``. It loads exactly as mmengine does and, only when
loading fails, looks at the file to say what is wrong with it, raising
:class:`CheckpointLoadError` that names the file and the reason and never
suggests turning safe loading off.
"""
import os.path as osp
import pickle
import pickletools
import re
import zipfile
from typing import Any, Dict, List, Optional, Union

import torch
from mmengine.runner.checkpoint import CheckpointLoader

# ``torch.save``'s zip format starts with a zip local file header; its
# legacy format starts with a protocol-2 pickle of torch's magic number
# (0x1950a86a20f9469cfc6c, a 10-byte LONG1).
_ZIP_MAGIC = b'PK\x03\x04'
_LEGACY_TORCH_MAGIC = (b'\x80\x02\x8a\x0a' +
                       (0x1950a86a20f9469cfc6c).to_bytes(10, 'little'))
# How torch's weights_only unpickler names a rejected global, e.g.
# "Unsupported global: GLOBAL posix.system" or "unsupported GLOBAL
# posix.system whose module posix is blocked".
_REJECTED_GLOBAL = re.compile(r'GLOBAL ([\w.]+)')
# torch's zip reader failing on a damaged record.
_ZIP_READER_ERROR = re.compile(r'PytorchStreamReader|miniz|zip archive')


class CheckpointLoadError(ValueError):
    """A checkpoint file exists but cannot be loaded.

    Args:
        filename (str): The checkpoint file.
        reason (str): What is wrong with it.
    """

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f'cannot load checkpoint {filename}: {reason}')
        self.filename = filename
        self.reason = reason


def _torch_zip_records(filename: str) -> Optional[List[str]]:
    """The records of a zip file, or None if it is not a readable zip."""
    try:
        with zipfile.ZipFile(filename) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return None


def _rejected_globals(filename: str, is_zip: bool,
                      error: BaseException) -> List[str]:
    """Dotted names of the globals torch's safe unpickler refuses.

    For the zip format torch lists them statically
    (:func:`torch.serialization.get_unsafe_globals_in_checkpoint`); for the
    legacy format and plain pickles the unpickler's error names the first.
    """
    if is_zip:
        try:
            return sorted(
                torch.serialization.get_unsafe_globals_in_checkpoint(
                    filename))
        except Exception:  # damaged data.pkl: diagnosed by the caller
            return []
    if isinstance(error, pickle.UnpicklingError):
        return _REJECTED_GLOBAL.findall(str(error))[:1]
    return []


def _globals_in_pickle(filename: str) -> List[str]:
    """Dotted names of the globals a plain pickle file refers to.

    Read with :func:`pickletools.genops`, which parses without executing.
    Protocol <= 3 names a global in one ``GLOBAL`` opcode; protocol >= 4
    pushes the module and the name as strings (possibly fetched back from
    the memo) before ``STACK_GLOBAL``, so the strings are followed.

    Returns:
        list[str]: The names, or an empty list if the file is no pickle.
    """
    names: List[str] = []
    strings: List[str] = []  # string pushes, in order
    memo: Dict[int, str] = {}  # memo index -> string stored there
    memo_size = 0
    top_is_string = False
    try:
        with open(filename, 'rb') as file:
            for opcode, arg, _ in pickletools.genops(file):
                name = opcode.name
                if name in ('GLOBAL', 'INST'):
                    names.append(arg.replace(' ', '.'))
                elif name == 'STACK_GLOBAL' and len(strings) >= 2:
                    names.append('.'.join(strings[-2:]))
                elif name in ('MEMOIZE', 'PUT', 'BINPUT', 'LONG_BINPUT'):
                    index = memo_size if name == 'MEMOIZE' else arg
                    memo_size += name == 'MEMOIZE'
                    if top_is_string:
                        memo[index] = strings[-1]
                    continue  # the top of the stack is unchanged
                elif name in ('GET', 'BINGET', 'LONG_BINGET') \
                        and arg in memo:
                    strings.append(memo[arg])
                    top_is_string = True
                    continue
                top_is_string = 'UNICODE' in name
                if top_is_string:
                    strings.append(arg)
    except (ValueError, UnicodeDecodeError):
        return []
    return names


def describe_unloadable_checkpoint(filename: str,
                                   error: BaseException) -> Optional[str]:
    """Say what is wrong with a file that ``torch.load`` failed to load.

    Args:
        filename (str): The local file that failed to load.
        error (BaseException): What ``torch.load`` raised.

    Returns:
        str | None: The reason, for :class:`CheckpointLoadError`; None when
        the file looks like a sound checkpoint, so the failure lies
        elsewhere (e.g. ``map_location``) and ``error`` should propagate.
    """
    with open(filename, 'rb') as file:
        head = file.read(len(_LEGACY_TORCH_MAGIC))
    if not head:
        return 'the file is empty, not a checkpoint'
    is_zip = head.startswith(_ZIP_MAGIC)
    rejected = _rejected_globals(filename, is_zip, error)
    if rejected:
        return (f'it holds {", ".join(rejected)}, not a type a checkpoint '
                'may hold (tensors, numbers, strings, containers, numpy '
                'arrays); it was not loaded, since unpickling other '
                'globals can run code')
    if is_zip:
        records = _torch_zip_records(filename)
        if records is None:
            return ('the file is truncated or damaged: it starts like a '
                    'torch checkpoint (a zip archive) but its zip directory '
                    'is missing or broken, as when saving was interrupted')
        if not any(name == 'data.pkl' or name.endswith('/data.pkl')
                   for name in records):
            return ('not a checkpoint: it is a zip archive without the '
                    '`data.pkl` record of a torch.save file')
        if isinstance(error, (pickle.UnpicklingError, EOFError)) or \
                _ZIP_READER_ERROR.search(str(error)):
            return f'the checkpoint is damaged: {_first_line(error)}'
        return None  # sound file: e.g. a bad map_location
    if not head.startswith(_LEGACY_TORCH_MAGIC):
        referred = _globals_in_pickle(filename)
        if referred:
            return ('not a checkpoint: it is a plain pickle, not written by '
                    'torch.save, and it refers to '
                    f'{", ".join(referred)}; it was not loaded')
        return ('not a checkpoint: it is neither a torch.save zip archive '
                f'nor a legacy torch.save file (it starts with {head!r})')
    if isinstance(error, EOFError) or 'truncated' in str(error):
        return 'the file is truncated (a legacy-format torch checkpoint)'
    return f'the legacy-format checkpoint is damaged: {_first_line(error)}'


def _first_line(error: BaseException) -> str:
    """Torch's own explanation, without its advice on ``weights_only``."""
    message = str(error)
    marker = 'WeightsUnpickler error:'
    if marker in message:
        message = message.split(marker, 1)[1]
    lines = message.strip().splitlines()
    return f'{type(error).__name__}: {lines[0] if lines else ""}'


def load_from_local(filename: str,
                    map_location: Union[str, Any, None] = None) -> Any:
    """Load a local checkpoint as mmengine does, with clear errors.

    Same contract as :func:`mmengine.runner.checkpoint.load_from_local`
    (``torch.load`` with torch's default, ``weights_only=True``), and the
    same name: :class:`CheckpointLoader` logs a loader's name after
    ``load_from_`` ("Loads checkpoint by local backend").

    Args:
        filename (str): Local checkpoint path (``~`` is expanded).
        map_location (str | torch.device | callable | dict, optional): Same
            as :func:`torch.load`.

    Returns:
        dict | OrderedDict: The loaded checkpoint.

    Raises:
        FileNotFoundError: ``filename`` is not a file.
        CheckpointLoadError: The file is empty, truncated, not a checkpoint
            or holds a global the safe unpickler refuses.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location)
    except Exception as error:
        reason = describe_unloadable_checkpoint(filename, error)
        if reason is None:
            raise
        # ``from None``: torch's message, printed as the cause, would
        # repeat its advice to load with weights_only=False.
        raise CheckpointLoadError(filename, reason) from None


def enable_checkpoint_load_errors() -> None:
    """Register :func:`load_from_local` for local paths in mmengine.

    Idempotent; called when :mod:`mmvision_plus` is imported.
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local, force=True)


__all__ = [
    'CheckpointLoadError', 'describe_unloadable_checkpoint',
    'enable_checkpoint_load_errors', 'load_from_local'
]
