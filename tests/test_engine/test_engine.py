"""CheckFiniteLossHook and CPUAutocastOptimWrapper."""
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from mmvision_plus.engine import CheckFiniteLossHook, CPUAutocastOptimWrapper


def fake_runner(iteration=6, epoch=1):
    return SimpleNamespace(iter=iteration, epoch=epoch)


def test_finite_loss_passes():
    hook = CheckFiniteLossHook()
    hook.after_train_iter(fake_runner(), 0, outputs=dict(
        loss=torch.tensor(1.0), loss_cls=torch.tensor(0.5)))


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_non_finite_loss_raises_naming_iteration_and_term(bad):
    hook = CheckFiniteLossHook()
    with pytest.raises(FloatingPointError) as err:
        hook.after_train_iter(fake_runner(iteration=41, epoch=6), 0,
                              outputs=dict(loss=torch.tensor(bad),
                                           loss_bbox=torch.tensor(bad),
                                           loss_cls=torch.tensor(0.3)))
    msg = str(err.value)
    assert 'iteration 42' in msg and 'epoch 7' in msg
    assert 'loss_bbox' in msg and 'loss_cls' not in msg


def test_interval_skips_iterations():
    hook = CheckFiniteLossHook(interval=5)
    # iteration 3 (runner.iter=2) is not checked
    hook.after_train_iter(fake_runner(iteration=2), 0,
                          outputs=dict(loss=torch.tensor(float('nan'))))
    with pytest.raises(FloatingPointError):
        hook.after_train_iter(fake_runner(iteration=4), 0,
                              outputs=dict(loss=torch.tensor(float('nan'))))
    with pytest.raises(ValueError, match='interval'):
        CheckFiniteLossHook(interval=0)


def test_cpu_autocast_wrapper_runs_bf16_and_updates_params():
    model = nn.Linear(8, 4)
    before = model.weight.detach().clone()
    wrapper = CPUAutocastOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 8))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().pow(2).mean())
    assert model.weight.dtype == torch.float32
    assert not torch.equal(before, model.weight)
    with pytest.raises(ValueError, match='dtype'):
        CPUAutocastOptimWrapper(optimizer=torch.optim.SGD(
            model.parameters(), lr=0.1), dtype='bfloat17')
