"""Imported by a training subprocess only (``custom_imports``): SIGKILL.

On import, arranges that the process kills itself (SIGKILL: no cleanup, no
``finally``) halfway through writing the ``$KILL_WRITING_NTH``-th (default
1st) file whose name contains ``$KILL_WRITING_MATCH``, after appending that
file's path to ``$KILL_WRITING_REPORT``. Without ``$KILL_WRITING_MATCH``
importing it does nothing. Never import it in the test process.
"""
import os
import signal

from tests.test_utils.interrupted_writes import interrupt_writes


def _report_and_kill(path: str) -> None:
    with open(os.environ['KILL_WRITING_REPORT'], 'a') as report:
        report.write(path + '\n')
    os.kill(os.getpid(), signal.SIGKILL)


if os.environ.get('KILL_WRITING_MATCH'):
    # Kept referenced: a collected generator would undo the patch.
    _PATCH = interrupt_writes(os.environ['KILL_WRITING_MATCH'],
                              _report_and_kill,
                              nth=int(os.environ.get('KILL_WRITING_NTH', 1)))
    _PATCH.__enter__()
