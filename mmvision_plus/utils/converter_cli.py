"""The command line shared by the checkpoint converters.

Every tool under ``tools/model_converters`` reads a checkpoint ``SRC``,
converts it and writes ``DST``. :func:`run_converter` parses ``SRC DST``
(plus the tool's own options), runs the tool's conversion and prints what
it wrote; :func:`save_converted` writes the result atomically (a killed
conversion never leaves a truncated ``DST``), creating its folder.
"""
import argparse
import os
import os.path as osp
from typing import Any, Callable, Optional, Sequence

import torch

from .atomic_io import atomic_write


def save_converted(obj: Any, dst: str) -> None:
    """Save ``obj`` with :func:`torch.save` to ``dst`` atomically.

    Args:
        obj (Any): What to save (a state dict, or ``{'state_dict': ...,
            'meta': ...}``).
        dst (str): Output path; its folder is created if missing.
    """
    if osp.dirname(dst):
        os.makedirs(osp.dirname(dst), exist_ok=True)
    with atomic_write(dst) as file:
        torch.save(obj, file)


def run_converter(
        convert: Callable[[argparse.Namespace], Any],
        description: str,
        source_help: str,
        dst_help: str = 'output .pth',
        add_options: Optional[Callable[[argparse.ArgumentParser],
                                       None]] = None,
        argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Run a converter's command line: ``SRC DST [options]``.

    Args:
        convert (Callable): Reads ``args.src``, writes ``args.dst`` and
            returns a summary of what it wrote, printed as
            ``wrote DST: <summary>`` (a string, or e.g. a dict of sizes).
        description (str): The tool's one-line description.
        source_help (str): Help of ``SRC`` (which checkpoints it reads).
        dst_help (str): Help of ``DST``. Defaults to ``'output .pth'``.
        add_options (Callable, optional): Adds the tool's own options to
            the parser. Defaults to None.
        argv (Sequence[str], optional): Arguments; None reads
            ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help=source_help)
    parser.add_argument('dst', help=dst_help)
    if add_options is not None:
        add_options(parser)
    args = parser.parse_args(argv)
    print(f'wrote {args.dst}: {convert(args)}')
    return args
