"""tools/data/make_demo_world.py: generate, reuse, reject bad arguments."""
import importlib.util
import os.path as osp

from tests.conftest import REPO_ROOT

from mmvision_plus.datasets.demo_world import read_marker

SCRIPT = osp.join(REPO_ROOT, 'tools', 'data', 'make_demo_world.py')
TINY = ['--num-train', '4', '--num-val', '2', '--img-size', '48',
        '--num-identities', '5', '--images-per-identity', '2,2',
        '--pedes-size', '32,16', '--num-videos', '1', '--num-val-videos', '1',
        '--video-frames', '3,3', '--captions-per-image', '2',
        '--crop-size', '12']


def load_tool():
    spec = importlib.util.spec_from_file_location('make_demo_world', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generate_then_skip_existing(tmp_path, capsys):
    tool = load_tool()
    out = tmp_path / 'demo_world'
    assert tool.main(['--out', str(out), '--seed', '3'] + TINY) == 0
    marker = read_marker(out)
    assert marker['args']['seed'] == 3
    assert marker['args']['images_per_identity'] == [2, 2]
    assert marker['args']['pedes_size'] == [32, 16]
    text = capsys.readouterr().out
    assert 'scenes: 4 train + 2 val' in text and 'demo world ready' in text

    stamp = (out / 'DONE').stat().st_mtime_ns
    assert tool.main(['--out', str(out), '--seed', '3', '--skip-existing'] +
                     TINY) == 0
    assert (out / 'DONE').stat().st_mtime_ns == stamp


def test_only_and_bad_arguments(tmp_path, capsys):
    tool = load_tool()
    out = tmp_path / 'w'
    assert tool.main(['--out', str(out), '--only', 'pedes'] + TINY) == 0
    assert read_marker(out)['parts'] == ['pedes']
    assert not (out / 'images').exists()
    assert tool.main(['--out', str(tmp_path / 'x'), '--only', 'lidar'] +
                     TINY) == 2
    assert "unknown part(s) ['lidar']" in capsys.readouterr().err
    assert tool.main(['--out', str(tmp_path / 'y'), '--img-size', '8']) == 2
    assert 'invalid img_size=8' in capsys.readouterr().err
    assert not (tmp_path / 'x').exists() and not (tmp_path / 'y').exists()
