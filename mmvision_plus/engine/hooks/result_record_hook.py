"""The hook that writes a run's results record (see
:mod:`mmvision_plus.utils.results_record`)."""
import os.path as osp
from typing import Dict, Optional

from mmengine.dist import get_world_size, is_main_process
from mmengine.hooks import Hook

from mmvision_plus.registry import HOOKS
from mmvision_plus.utils.results_record import (RunSession, open_record,
                                                save_record, to_json_value,
                                                write_evaluation)


@HOOKS.register_module()
class ResultRecordHook(Hook):
    """Keep the JSON record of a training or test run up to date.

    Training (``runner.train()``) writes the ``train`` section: its session
    (command, overrides, environment, wall time, load average), the
    validation metrics after every validation (so curves can be drawn; the
    record is saved each time, and a killed run keeps what it had), and, at
    the end, the last checkpoint. A fresh run replaces an existing record; a
    resumed one keeps its validation metrics up to the resumed step and
    appends a session. ``runner.test()`` adds the ``test`` section with the
    metrics and the checkpoint it loaded. Only the main process writes.

    ``tools/train.py`` and ``tools/test.py`` add the hook for
    ``--record PATH``; a config can also list it in ``custom_hooks``.

    Args:
        path (str): The record file (``configs/<algo>/results/<config>_
            seed<k>.json`` for README rows).
        cfg_options (dict, optional): The command's ``--cfg-options``, to
            write down.
    """

    priority = 'LOWEST'

    def __init__(self, path: str, cfg_options: Optional[dict] = None) -> None:
        if not isinstance(path, str) or not path.endswith('.json'):
            raise ValueError(f'ResultRecordHook: path must be a .json file, '
                             f'got {path!r}')
        self.path = path
        self.cfg_options = cfg_options
        self._session: Optional[RunSession] = None
        self._record: Optional[dict] = None
        self._test_metrics: Dict[str, float] = {}

    def _start_session(self, runner) -> RunSession:
        return RunSession(runner.cfg, self.cfg_options, get_world_size())

    def before_train(self, runner) -> None:
        if not is_main_process():
            return
        loop = runner.train_loop
        by_epoch = hasattr(loop, 'max_epochs')
        step = runner.epoch if by_epoch else runner.iter
        resumed = runner.iter > 0
        record = open_record(self.path, runner.cfg.filename, runner.seed,
                             runner.deterministic, fresh=not resumed)
        train = record.get('train') if resumed else None
        if train is None:
            train = dict(sessions=[], val_metrics=[])
        train.update(
            work_dir=runner.work_dir, by_epoch=by_epoch,
            last_checkpoint=None, wall_time_s=None, finished=False,
            **({'max_epochs': loop.max_epochs} if by_epoch else
               {'max_iters': loop.max_iters}))
        train['val_metrics'] = [
            entry for entry in train['val_metrics'] if entry['step'] <= step
        ]
        record['train'] = train
        self._session = self._start_session(runner)
        self._session.facts.update(start_epoch=runner.epoch,
                                   start_iter=runner.iter)
        train['sessions'].append(self._session.facts)
        self._record = record
        save_record(self.path, record)

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        # Validation outside training (runner.val()) has no place here.
        if self._record is None or not is_main_process():
            return
        train = self._record['train']
        train['val_metrics'].append(dict(
            epoch=runner.epoch, iter=runner.iter,
            step=runner.epoch if train['by_epoch'] else runner.iter,
            metrics=to_json_value(metrics or {})))
        save_record(self.path, self._record)

    def after_train(self, runner) -> None:
        if self._record is None or not is_main_process():
            return
        facts = self._session.finish()
        facts.update(end_epoch=runner.epoch, end_iter=runner.iter)
        train = self._record['train']
        last = osp.join(runner.work_dir, 'last_checkpoint')
        if osp.isfile(last):
            with open(last) as file:
                train['last_checkpoint'] = file.read().strip()
        train['wall_time_s'] = sum(session['wall_time_s']
                                   for session in train['sessions'])
        train['finished'] = True
        save_record(self.path, self._record)
        self._record = None

    def before_test(self, runner) -> None:
        if is_main_process():
            # Fail before testing, not after, for a record of another run.
            open_record(self.path, runner.cfg.filename, runner.seed)
            self._session = self._start_session(runner)

    def after_test_epoch(self,
                         runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        self._test_metrics = dict(metrics or {})

    def after_test(self, runner) -> None:
        if not is_main_process():
            return
        checkpoint = runner.cfg.get('load_from')
        write_evaluation(self.path, 'test', runner.cfg.filename, runner.seed,
                         runner.deterministic, self._session,
                         self._test_metrics, checkpoint)
