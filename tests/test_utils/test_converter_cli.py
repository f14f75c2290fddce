"""The converters' shared command line and atomic output."""
import os

import pytest
import torch

from mmvision_plus.utils.converter_cli import run_converter, save_converted


def test_run_converter_parses_options_runs_and_reports(tmp_path, capsys):
    seen = {}

    def add_options(parser):
        parser.add_argument('--scale', type=float, default=1.0)

    def convert(args):
        seen.update(vars(args))
        return f'{args.scale} x'

    args = run_converter(convert, 'A converter', 'input', 'output',
                         add_options, ['in.pth', 'out.pth', '--scale', '2'])
    assert seen == dict(src='in.pth', dst='out.pth', scale=2.0)
    assert args.scale == 2.0
    assert capsys.readouterr().out == 'wrote out.pth: 2.0 x\n'
    with pytest.raises(SystemExit):  # DST missing
        run_converter(convert, 'A converter', 'input', argv=['in.pth'])


def test_save_converted_creates_the_folder_and_leaves_no_temporary(tmp_path):
    dst = tmp_path / 'new' / 'folder' / 'out.pth'
    save_converted(dict(weight=torch.arange(3)), str(dst))
    assert torch.equal(torch.load(dst, weights_only=True)['weight'],
                       torch.arange(3))
    assert os.listdir(dst.parent) == ['out.pth']


def test_save_converted_keeps_the_old_file_when_saving_fails(tmp_path):
    dst = tmp_path / 'out.pth'
    save_converted(dict(weight=torch.ones(2)), str(dst))
    with pytest.raises(Exception):
        save_converted(dict(weight=lambda: None), str(dst))  # not picklable
    assert torch.equal(torch.load(dst, weights_only=True)['weight'],
                       torch.ones(2))
    assert os.listdir(tmp_path) == ['out.pth']
