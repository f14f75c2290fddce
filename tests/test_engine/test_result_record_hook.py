"""ResultRecordHook through tools/train.py and tools/test.py ``--record``
(toy Runner, in this process), and the record helpers it uses."""
import copy
import hashlib
import json
import os
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS, DefaultScope

from mmvision_plus.datasets.demo_world import FORMAT_VERSION
from mmvision_plus.engine.hooks import result_record_hook
from mmvision_plus.utils.results_record import (RECORD_FORMAT_VERSION,
                                                RECORDED_PACKAGES,
                                                config_key,
                                                demo_world_facts,
                                                load_record, save_record,
                                                save_tool_record,
                                                tool_session)
from tests.test_tools.test_checkpoint_reliability import \
    _run_tool_main as run_tool
from tests.test_utils import toy_runner


@pytest.fixture(autouse=True)
def keep_default_scope():
    """The toy Runner's scope ('mmengine') must not outlive the test: later
    tests build our modules by name from the current default scope."""
    saved = copy.copy(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict = saved


@pytest.fixture
def toy(tmp_path):
    """A toy config (4 epochs) and the paths of its work dir and record."""
    work_dir = str(tmp_path / 'work')
    config = toy_runner.write_toy_config(str(tmp_path / 'toy.py'), work_dir,
                                         max_epochs=4)
    return config, work_dir, str(tmp_path / 'results' / 'toy_seed5.json')


def train(toy, monkeypatch, *options, resume=False):
    config, _, record = toy
    argv = [config, '--record', record, '--cfg-options',
            'randomness.seed=5', 'train_cfg.val_interval=2', *options]
    run_tool('train', argv + (['--resume'] if resume else []), monkeypatch)
    return load_record(record)


def test_training_then_test_write_every_field(toy, monkeypatch):
    config, work_dir, path = toy
    record = train(toy, monkeypatch)
    assert record['format_version'] == RECORD_FORMAT_VERSION
    assert record['config'] == config_key(config)
    assert record['seed'] == 5 and record['deterministic'] is False

    trained = record['train']
    assert trained['finished'] is True and trained['by_epoch'] is True
    assert trained['max_epochs'] == 4 and trained['work_dir'] == work_dir
    assert trained['last_checkpoint'] == osp.join(work_dir, 'epoch_4.pth')
    # Validation at epochs 2 and 4 (val_interval=2), metrics as floats.
    assert [(e['epoch'], e['iter'], e['step'])
            for e in trained['val_metrics']] == [(2, 4, 2), (4, 8, 4)]
    for entry in trained['val_metrics']:
        assert isinstance(entry['metrics']['toy/mse'], float)
    assert trained['val_metrics'][0]['metrics'] != \
        trained['val_metrics'][1]['metrics']

    (session, ) = trained['sessions']
    assert session['command'] == ('python tools/train.py ' + config +
                                  f' --record {path} --cfg-options '
                                  'randomness.seed=5 train_cfg.val_interval=2')
    assert session['cfg_options'] == {'randomness.seed': 5,
                                      'train_cfg.val_interval': 2}
    assert session['start_epoch'] == 0 and session['end_epoch'] == 4
    assert trained['wall_time_s'] == session['wall_time_s'] > 0
    assert len(session['load_average']['start']) == 3
    assert len(session['load_average']['end']) == 3
    env = session['environment']
    assert set(env['packages']) == {'python', *RECORDED_PACKAGES}
    assert env['packages']['torch'] == torch.__version__.split('+')[0]
    assert len(env['git']['commit']) == 40
    assert isinstance(env['git']['dirty'], bool)
    assert env['threads']['torch'] == torch.get_num_threads()
    assert env['env']['OMP_NUM_THREADS'] == os.environ.get('OMP_NUM_THREADS')
    assert env['world_size'] == 1 and env['demo_world'] == []
    assert session['host']['cpu_count'] == os.cpu_count()

    checkpoint = osp.join(work_dir, 'epoch_4.pth')
    run_tool('test', [config, checkpoint, '--record', path, '--cfg-options',
                      'randomness.seed=5'], monkeypatch)
    tested = load_record(path)
    assert tested['train'] == trained  # kept as it was
    test = tested['test']
    with open(checkpoint, 'rb') as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    assert test['checkpoint'] == dict(path=checkpoint, sha256=digest)
    # The final checkpoint on the same data: the last validation's value,
    # to the last bit.
    assert test['metrics'] == trained['val_metrics'][-1]['metrics']
    assert test['cfg_options'] == {'randomness.seed': 5}
    assert test['wall_time_s'] > 0 and 'tools/test.py' in test['command']


def test_resume_keeps_metrics_fresh_run_replaces(toy, monkeypatch):
    _, _, path = toy
    first = train(toy, monkeypatch, 'train_cfg.max_epochs=2')
    assert [e['step'] for e in first['train']['val_metrics']] == [2]
    resumed = train(toy, monkeypatch, resume=True)
    sessions = resumed['train']['sessions']
    assert [(s['start_epoch'], s['end_epoch']) for s in sessions] == [(0, 2),
                                                                     (2, 4)]
    assert resumed['train']['val_metrics'][0] == \
        first['train']['val_metrics'][0]
    assert [e['step'] for e in resumed['train']['val_metrics']] == [2, 4]
    assert resumed['train']['wall_time_s'] == pytest.approx(
        sum(s['wall_time_s'] for s in sessions))

    resumed['test'] = dict(metrics={'toy/mse': 1.0})  # of a checkpoint ...
    save_record(path, resumed)
    fresh = train(toy, monkeypatch)  # ... that a new training replaces
    assert 'test' not in fresh and len(fresh['train']['sessions']) == 1


@HOOKS.register_module()
class RecordTestStopHook(Hook):
    """Fails the run after the 3rd training epoch (a killed run)."""

    def after_train_epoch(self, runner) -> None:
        if runner.epoch + 1 == 3:
            raise RuntimeError('stopped by the test')


def add_custom_hook(config, hook):
    """Append ``hook`` to the toy config file's ``custom_hooks``."""
    with open(config, 'a') as file:
        file.write(f'custom_hooks = custom_hooks + [{hook!r}]\n')


def test_killed_run_keeps_validations_so_far(toy, monkeypatch):
    add_custom_hook(toy[0], dict(type='RecordTestStopHook'))
    with pytest.raises(RuntimeError, match='stopped by the test'):
        train(toy, monkeypatch)
    record = load_record(toy[2])
    assert record['train']['finished'] is False
    assert [e['step'] for e in record['train']['val_metrics']] == [2]


def test_record_of_another_seed_or_config_is_refused(toy, monkeypatch,
                                                     tmp_path):
    config, work_dir, path = toy
    train(toy, monkeypatch, 'train_cfg.max_epochs=2')
    checkpoint = osp.join(work_dir, 'epoch_2.pth')
    with pytest.raises(ValueError, match=r'seed 5, this run has seed 0; '
                       r'pass --cfg-options randomness.seed=5'):
        run_tool('test', [config, checkpoint, '--record', path], monkeypatch)
    other = toy_runner.write_toy_config(str(tmp_path / 'other.py'), work_dir)
    with pytest.raises(ValueError, match='is of config .*toy.py'):
        run_tool('test', [other, checkpoint, '--record', path,
                          '--cfg-options', 'randomness.seed=5'], monkeypatch)
    assert 'test' not in load_record(path)


def test_config_hook_path_replaced_by_record_option(toy, monkeypatch,
                                                    tmp_path):
    """A config's own ResultRecordHook and --record: one hook, --record's
    path."""
    config_path = str(tmp_path / 'from_config.json')
    add_custom_hook(toy[0], dict(type='ResultRecordHook', path=config_path))
    train(toy, monkeypatch, 'train_cfg.max_epochs=2')
    assert not osp.exists(config_path) and osp.isfile(toy[2])


def test_only_the_main_process_writes(toy, monkeypatch):
    monkeypatch.setattr(result_record_hook, 'is_main_process', lambda: False)
    train(toy, monkeypatch, 'train_cfg.max_epochs=2')
    assert not osp.exists(toy[2])


def test_save_record_is_atomic(tmp_path):
    path = str(tmp_path / 'r.json')
    save_record(path, dict(format_version=RECORD_FORMAT_VERSION, seed=0))
    with pytest.raises(TypeError):  # fails halfway through serialising
        save_record(path, dict(format_version=RECORD_FORMAT_VERSION,
                               seed=1, bad=object()))
    assert json.loads(open(path).read())['seed'] == 0
    assert os.listdir(tmp_path) == ['r.json']


def test_unknown_record_version_is_named(tmp_path):
    path = tmp_path / 'r.json'
    path.write_text('{"format_version": 99}')
    with pytest.raises(ValueError, match=r'r.json: format_version 99'):
        load_record(str(path))


def test_demo_world_marker_is_found(tiny_demo_world):
    world = dict(dataset=dict(data_root=tiny_demo_world + '/'))
    part = dict(dataset=dict(data_root=osp.join(tiny_demo_world, 'pedes')))
    (facts, ) = demo_world_facts(dict(train_dataloader=world,
                                      val_dataloader=part))
    assert facts['format_version'] == FORMAT_VERSION
    assert facts['seed'] == 0 and facts['args']['num_train'] == 16
    assert facts['path'] == config_key(tiny_demo_world)
    assert demo_world_facts(dict(data_root='/nonexistent/x')) == []


def test_tool_record_has_the_threads_the_run_used(tmp_path):
    """A tool applies its ``--threads`` after its session starts: the
    record names the threads it ran with, not those it started with."""
    before = torch.get_num_threads()
    ran_with = 1 if before != 1 else 2
    session = tool_session(__file__, ['--threads', str(ran_with)])
    try:
        torch.set_num_threads(ran_with)
        record = save_tool_record(str(tmp_path / 'record.json'), session,
                                  result=1)
    finally:
        torch.set_num_threads(before)
    assert record['tool']['environment']['threads']['torch'] == ran_with
    saved = json.loads((tmp_path / 'record.json').read_text())
    assert saved['tool']['environment']['threads']['torch'] == ran_with
