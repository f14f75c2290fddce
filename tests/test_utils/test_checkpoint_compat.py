"""Runner checkpoints load with torch's weights_only unpickler."""
import io
import os
import pickle

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
