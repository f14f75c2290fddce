"""Files that are not loadable checkpoints, with what must be said of each.

Shared by the loader's unit tests and the tools' tests.
"""
import os
import os.path as osp
import pickle
import random
import re
import traceback
import zipfile
from typing import Dict

import torch

from mmvision_plus.utils import CheckpointLoadError


class _RunsShellCommand:
    """Pickles as a call of ``os.system``: what a malicious file holds."""

    def __reduce__(self):
        return (os.system, ('echo pwned', ))


# kind -> regular expression the error's reason must match.
EXPECTED_REASONS = {
    'truncated': r'truncated',
    'random_bytes': r'not a checkpoint',
    'empty': r'empty',
    'text': r'not a checkpoint',
    'os_system': r'(os|posix)\.system',
    'plain_pickle_os_system': r'not a checkpoint.*(os|posix)\.system',
    'zip_not_torch': r'not a checkpoint.*zip archive',
}


def write_bad_checkpoints(directory: str,
                          real_checkpoint: str) -> Dict[str, str]:
    """Write one file of each kind in :data:`EXPECTED_REASONS`.

    Args:
        directory (str): Where to write them.
        real_checkpoint (str): A real Runner checkpoint to truncate.

    Returns:
        dict[str, str]: kind -> path.
    """
    paths = {kind: osp.join(directory, f'{kind}.pth')
             for kind in EXPECTED_REASONS}
    with open(real_checkpoint, 'rb') as file:
        data = file.read()
    with open(paths['truncated'], 'wb') as file:
        file.write(data[:len(data) * 2 // 3])
    with open(paths['random_bytes'], 'wb') as file:
        file.write(random.Random(0).randbytes(4096))
    open(paths['empty'], 'wb').close()
    with open(paths['text'], 'w') as file:
        file.write('model weights: see the README\n')
    torch.save({'state_dict': {}, 'meta': _RunsShellCommand()},
               paths['os_system'])
    with open(paths['plain_pickle_os_system'], 'wb') as file:
        pickle.dump({'state_dict': _RunsShellCommand()}, file, protocol=4)
    with zipfile.ZipFile(paths['zip_not_torch'], 'w') as archive:
        archive.writestr('weights/readme.txt', 'not a checkpoint')
    return paths


def assert_clear_error(error: BaseException, path: str, kind: str) -> None:
    """The error names the file and the reason, and gives no unsafe advice.

    The whole traceback as Python prints it is checked, chained exceptions
    included, so torch's "re-running with weights_only=False will likely
    succeed" cannot slip through as the cause.
    """
    assert isinstance(error, CheckpointLoadError), repr(error)
    assert path in str(error)
    assert re.search(EXPECTED_REASONS[kind], error.reason), error.reason
    printed = ''.join(traceback.format_exception(error))
    assert 'weights_only' not in printed, printed
    assert 'add_safe_globals' not in printed, printed

