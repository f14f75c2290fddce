"""Runner checkpoints load with torch's weights_only unpickler."""
import io
import os
import pickle
import subprocess

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import mmvision_plus  # noqa: F401  (applies the patch on import)


def _round_trip(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_history_buffer_round_trips_under_weights_only():
    hb = HistoryBuffer(max_length=5)
    for v in [1.0, 2.0, 4.0]:
        hb.update(v)
    loaded = _round_trip({'hb': hb})['hb']
    assert isinstance(loaded, HistoryBuffer)
    assert loaded.max_length == 5
    np.testing.assert_array_equal(loaded.data[0], [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(loaded.data[1], [1, 1, 1])
    assert loaded.mean() == pytest.approx(7 / 3)
    assert loaded.statistics('max') == 4.0
    loaded.update(8.0)
    assert loaded.current() == 8.0


def test_history_buffer_pickle_holds_no_getattr():
    hb = HistoryBuffer()
    hb.update(1.5)
    payload = pickle.dumps(hb)
    assert b'getattr' not in payload


def test_message_hub_state_round_trips():
    hub = MessageHub.get_instance('checkpoint-compat-test')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', 0.25)
    hub.update_info('iter', 7)
    state = _round_trip({'meta': {'message_hub': hub.state_dict()}})
    restored = MessageHub.get_instance('checkpoint-compat-test-restored')
    restored.load_state_dict(state['meta']['message_hub'])
    assert restored.get_scalar('train/loss').current() == 0.25
    assert restored.get_info('iter') == 7


def test_arbitrary_code_is_still_rejected():

    class Exploit:

        def __reduce__(self):
            return (os.system, ('echo pwned',))

    buffer = io.BytesIO()
    torch.save({'x': Exploit()}, buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(buffer, weights_only=True)


@pytest.mark.parametrize('buffer_kind', ['empty', 'int', 'float'])
def test_history_buffer_kinds_round_trip(buffer_kind):
    """A never-updated buffer pickles its empty arrays via builtins.bytes."""
    if buffer_kind == 'empty':
        hb = HistoryBuffer(max_length=7)
    elif buffer_kind == 'int':  # what update_scalar(key, 3) creates
        hb = HistoryBuffer([3, 4], [1, 2], max_length=7)
    else:
        hb = HistoryBuffer(max_length=7)
        hb.update(0.5)
        hb.update(1.25, count=2)
    loaded = _round_trip({'hb': hb})['hb']
    assert loaded.max_length == 7
    for original, restored in zip(hb.data, loaded.data):
        assert restored.dtype == original.dtype
        np.testing.assert_array_equal(restored, original)
    loaded.update(2.0)
    assert loaded.current() == 2.0


# Callables that turn pickled data into code execution: none may load.
GADGETS = [getattr, eval, exec, __import__, os.system, os.popen,
           subprocess.call, subprocess.Popen]


@pytest.mark.parametrize('gadget', GADGETS, ids=lambda g: g.__name__)
def test_gadgets_are_not_allow_listed(gadget):
    safe_names = {f'{g.__module__}.{g.__qualname__}'
                  for g in torch.serialization.get_safe_globals()
                  if not isinstance(g, tuple)}
    safe_names |= {g[1] for g in torch.serialization.get_safe_globals()
                   if isinstance(g, tuple)}
    assert f'{gadget.__module__}.{gadget.__qualname__}' not in safe_names

    class CallsGadget:

        def __reduce__(self):
            return (gadget, ('1', ))

    buffer = io.BytesIO()
    torch.save({'x': CallsGadget()}, buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError, match=gadget.__name__):
        torch.load(buffer, weights_only=True)


def _assert_same(loaded, reference, where='checkpoint'):
    """Deep equality of two loaded checkpoints, entry by entry."""
    assert type(loaded) is type(reference), where
    if isinstance(reference, dict):
        assert list(loaded) == list(reference), where
        for key in reference:
            _assert_same(loaded[key], reference[key], f'{where}[{key!r}]')
    elif isinstance(reference, (list, tuple)):
        assert len(loaded) == len(reference), where
        for index, (a, b) in enumerate(zip(loaded, reference)):
            _assert_same(a, b, f'{where}[{index}]')
    elif isinstance(reference, torch.Tensor):
        torch.testing.assert_close(loaded, reference, rtol=0, atol=0,
                                   msg=where)
    elif isinstance(reference, np.ndarray):
        assert loaded.dtype == reference.dtype, where
        np.testing.assert_array_equal(loaded, reference, err_msg=where)
    elif isinstance(reference, HistoryBuffer):
        assert loaded.max_length == reference.max_length, where
        _assert_same(list(loaded.data), list(reference.data), where)
    else:
        assert loaded == reference, where


def test_runner_checkpoint_round_trips_every_entry(tmp_path):
    """All a Runner writes loads under weights_only exactly as unrestricted.

    The toy Runner's checkpoint holds meta (epoch, iter, cfg, seed,
    experiment_name, time, mmengine_version, dataset_meta), the model
    state, the message hub (float, int and never-updated buffers, numpy
    runtime info, resumed keys), SGD momentum state and two schedulers.
    """
    from mmengine.config import Config
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    from tests.test_utils import toy_runner

    work_dir = str(tmp_path / 'round_trip')
    runner = Runner.from_cfg(Config(toy_runner.toy_config(work_dir, 1)))
    runner.train()
    path = os.path.join(work_dir, 'epoch_1.pth')
    loaded = torch.load(path, map_location='cpu', weights_only=True)
    reference = torch.load(path, map_location='cpu', weights_only=False)
    _assert_same(loaded, reference)

    assert set(loaded) == {'meta', 'state_dict', 'message_hub', 'optimizer',
                           'param_schedulers'}
    assert set(loaded['meta']) == {
        'epoch', 'iter', 'cfg', 'seed', 'experiment_name', 'time',
        'mmengine_version', 'dataset_meta'}
    assert loaded['meta']['dataset_meta'] == \
        toy_runner.CkptTestDataset.metainfo
    assert loaded['optimizer']['state'][0]['momentum_buffer'].shape == (1, 2)
    assert len(loaded['param_schedulers']) == 2
    scalars = loaded['message_hub']['log_scalars']
    assert scalars[toy_runner.EMPTY_BUFFER_KEY].data[0].size == 0
    assert scalars[toy_runner.INT_BUFFER_KEY].data[0].dtype == np.int64
    assert scalars['train/loss'].data[0].dtype == np.float64
    assert loaded['message_hub']['runtime_info'][
        toy_runner.NUMPY_INFO_KEY].dtype == np.int32

    resumed_hub = {}

    class CaptureHub(Hook):

        def before_train(self, runner):  # after resuming
            resumed_hub.update(runner.message_hub.state_dict())

    # A name of its own: Runners of one name built within one second
    # share a MessageHub instance.
    cfg = Config(
        toy_runner.toy_config(str(tmp_path / 'round_trip_resumed'), 2))
    cfg.resume, cfg.load_from = True, path
    resumed = Runner.from_cfg(cfg)
    resumed.register_hook(CaptureHub())
    resumed.train()
    _assert_same(resumed_hub['log_scalars'], scalars)
    assert resumed.iter == 4
