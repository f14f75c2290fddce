"""Results records: one JSON file per (config, seed) behind every measured row.

A record is written by the tools themselves (``tools/train.py``,
``tools/test.py`` and ``tools/analysis_tools/knn_eval.py`` with
``--record PATH``, through :class:`~mmvision_plus.engine.hooks.
ResultRecordHook` for the Runner tools), never by hand. Its layout
(:data:`RECORD_FORMAT_VERSION` 1)::

    {
      "format_version": 1,
      "config": "configs/siou/fcos_r18_fpn_siou_1xb8-12e_demo-world.py",
      "seed": 0, "deterministic": false,
      "train": {                       # tools/train.py
        "sessions": [RUN, ...],        # one per process; > 1 after --resume
        "work_dir": ..., "by_epoch": true, "max_epochs": 12,
        "val_metrics": [{"epoch": 4, "iter": 240, "step": 4,
                         "metrics": {"coco/bbox_mAP": 0.071, ...}}, ...],
        "last_checkpoint": ".../epoch_12.pth",
        "wall_time_s": 512.3, "finished": true},
      "test": {**RUN, "checkpoint": {"path": ..., "sha256": ...},
               "metrics": {...}},       # tools/test.py
      "knn": {**RUN, "checkpoint": ..., "arguments": {...},
              "metrics": {...}}         # knn_eval.py
    }

where ``RUN`` (:class:`RunSession`) holds the exact command line and
``--cfg-options`` overrides, the environment (package versions, git commit
and dirty flag, thread counts, device, world size, the demo world's
``DONE`` marker when the config reads one), host facts (CPU count and
model, load average at start and end: the machine may be shared), the start
time and the wall time. Metric values are stored as Python floats (full
precision, ``repr`` round trip).

A fresh training run starts a new record (a test section of an older
checkpoint would no longer belong to it); a resumed one keeps the
validation metrics up to the epoch it resumes from and adds a session;
tools/test.py and knn_eval.py add or replace their own section. A record
belongs to one config and one seed: writing into a record of another config
or seed is an error naming both.
"""
import argparse
import datetime
import hashlib
import json
import os
import os.path as osp
import platform
import shlex
import subprocess
import sys
import time
from importlib import metadata
from typing import Any, Dict, Iterator, List, Optional, Sequence

from .atomic_io import atomic_write

#: Version of the record layout above; raise it when the layout changes.
RECORD_FORMAT_VERSION = 1

#: Sections a tool may write besides ``train``.
EVALUATION_SECTIONS = ('test', 'knn')

#: Distributions whose versions a record lists (absent ones as null).
RECORDED_PACKAGES = ('torch', 'numpy', 'mmengine', 'mmcv', 'mmdet',
                     'mmpretrain', 'transformers', 'mmvision_plus')

#: Environment variables that change numbers or speed.
RECORDED_ENV_VARS = ('OMP_NUM_THREADS', 'MKL_NUM_THREADS',
                     'CUDA_VISIBLE_DEVICES', 'PYTHONHASHSEED',
                     'CUBLAS_WORKSPACE_CONFIG')

#: Default help of a tool's ``--record`` option (:func:`add_record_option`).
TOOL_RECORD_HELP = ('also write a results record here (command, versions, '
                    'host, wall time and the result)')

#: The repository the running mmvision_plus code comes from.
SOURCE_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def default_record_path(config: str,
                        seed: int,
                        results_dir: Optional[str] = None) -> str:
    """``<results_dir>/<config stem>_seed<seed>.json``.

    Args:
        config (str): The config file.
        seed (int): The training seed.
        results_dir (str, optional): Defaults to ``results/`` beside the
            config.

    Returns:
        str: The record path.
    """
    if results_dir is None:
        results_dir = osp.join(osp.dirname(config), 'results')
    stem = osp.splitext(osp.basename(config))[0]
    return osp.join(results_dir, f'{stem}_seed{seed}.json')


def config_key(config: str, root: Optional[str] = None) -> str:
    """How a record names its config: relative to ``root`` (default: the
    working directory; ``configs/...`` from the repository root) when
    inside it, else absolute."""
    if not config:
        raise ValueError('a results record needs the config file of the run '
                         '(a Config built from a dict has none)')
    path = osp.realpath(config)
    relative = osp.relpath(path, osp.realpath(root or os.getcwd()))
    return path if relative.startswith(os.pardir) else relative


def load_record(path: str) -> Optional[dict]:
    """The record at ``path``, or None when there is no file.

    Raises:
        ValueError: The file is not a record of a known format version.
    """
    if not osp.isfile(path):
        return None
    try:
        with open(path) as file:
            record = json.load(file)
    except ValueError as error:
        raise ValueError(f'results record {path} is not valid JSON: '
                         f'{error}') from error
    version = record.get('format_version') if isinstance(record,
                                                         dict) else None
    if version != RECORD_FORMAT_VERSION:
        raise ValueError(
            f'results record {path}: format_version {version!r}, this code '
            f'reads {RECORD_FORMAT_VERSION}; re-create it with the tools')
    return record


def save_record(path: str, record: dict) -> None:
    """Write ``record`` to ``path`` atomically (a reader never sees a part).
    """
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with atomic_write(path, 'w') as file:
        json.dump(record, file, indent=2)
        file.write('\n')


def open_record(path: str,
                config: str,
                seed: Optional[int],
                deterministic: bool = False,
                fresh: bool = False) -> dict:
    """The record of ``(config, seed)`` at ``path``, new if absent or
    ``fresh``.

    Args:
        path (str): The record file.
        config (str): The config file of the run.
        seed (int, optional): The run's seed.
        deterministic (bool): The run's ``randomness.deterministic``.
        fresh (bool): Start a new record even if the file exists.

    Returns:
        dict: The record, not yet saved.

    Raises:
        ValueError: The existing record is of another config or seed.
    """
    record = None if fresh else load_record(path)
    if record is None:
        return dict(format_version=RECORD_FORMAT_VERSION,
                    config=config_key(config), seed=seed,
                    deterministic=bool(deterministic))
    if record.get('config') != config_key(config):
        raise ValueError(
            f'results record {path} is of config {record.get("config")!r}, '
            f'this run is of {config_key(config)!r}; give another --record')
    if record.get('seed') != seed:
        raise ValueError(
            f'results record {path} is of seed {record.get("seed")!r}, this '
            f'run has seed {seed!r}; pass --cfg-options randomness.seed='
            f'{record.get("seed")} (or give another --record)')
    return record


def to_json_value(value: Any, floats: bool = True) -> Any:
    """A value as JSON: arrays and tensors as (nested) lists, dicts
    recursively, numbers as floats (``floats``; metrics) or as they are
    (``--cfg-options``), anything else as its ``str``."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(k): to_json_value(v, floats) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v, floats) for v in value]
    if hasattr(value, 'tolist'):  # numpy arrays and scalars, tensors
        return to_json_value(value.tolist(), floats)
    if isinstance(value, int) and not floats:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def file_sha256(path: str) -> Optional[str]:
    """The SHA-256 of a file, or None when it does not exist."""
    if not osp.isfile(path):
        return None
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for chunk in iter(lambda: file.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def _git(*args: str) -> Optional[str]:
    try:
        proc = subprocess.run(['git', '-C', SOURCE_ROOT, *args],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _counts_as_dirty(path: str) -> bool:
    """Changes that cannot change a number: records and curves
    (``results/``), documentation and metafiles."""
    parts = path.split('/')
    name = parts[-1]
    return not ('results' in parts[:-1] or name.endswith('.md')
                or name in ('metafile.yml', 'model-index.yml'))


def git_facts(max_files: int = 20) -> Dict[str, Any]:
    """The commit of the running code and whether tracked files differ.

    Returns:
        dict: ``commit`` (None outside a git checkout), ``dirty`` and up to
        ``max_files`` of the ``dirty_files`` (changed or new files that git
        does not ignore; records, curves, READMEs and metafiles do not
        count).
    """
    commit = _git('rev-parse', 'HEAD')
    if commit is None:
        return dict(commit=None, dirty=None, dirty_files=[])
    status = _git('status', '--porcelain', '--untracked-files=normal') or ''
    changed = [line[3:].split(' -> ')[-1] for line in status.splitlines()]
    dirty = sorted(p for p in changed if _counts_as_dirty(p))
    return dict(commit=commit.strip(), dirty=bool(dirty),
                dirty_files=dirty[:max_files])


def package_versions() -> Dict[str, Optional[str]]:
    """Python's and :data:`RECORDED_PACKAGES`' versions (None if absent)."""
    versions: Dict[str, Optional[str]] = dict(
        python=platform.python_version())
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    from mmvision_plus.version import __version__
    versions['mmvision_plus'] = __version__  # the code running, not pip's
    return versions


def _cpu_model() -> Optional[str]:
    try:
        with open('/proc/cpuinfo') as file:
            for line in file:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def host_facts() -> Dict[str, Any]:
    """CPU count (all and usable by this process), CPU model, OS."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    return dict(cpu_count=os.cpu_count(), cpus_usable=usable,
                cpu_model=_cpu_model(), platform=platform.platform())


def load_average() -> Optional[List[float]]:
    """The 1, 5 and 15 minute load averages (None where unavailable)."""
    try:
        return [float(v) for v in os.getloadavg()]
    except OSError:
        return None


def _iter_data_roots(node: Any) -> Iterator[str]:
    """Every ``data_root`` string of a (nested) config."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'data_root' and isinstance(value, str):
                yield value
            else:
                yield from _iter_data_roots(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _iter_data_roots(value)


def demo_world_facts(cfg: Any) -> List[dict]:
    """The ``DONE`` markers of the demo worlds the config reads.

    A data root is the world itself or a folder of it (``.../pedes``); the
    marker is looked for there and up to two levels above.

    Args:
        cfg (Config | dict): The config.

    Returns:
        list[dict]: Per world: ``path``, ``generator``, ``format_version``,
        ``seed``, ``args``, ``parts``.
    """
    from mmvision_plus.datasets.demo_world import read_marker
    from mmvision_plus.datasets.demo_world.versions import GENERATOR
    worlds: Dict[str, dict] = {}
    for root in _iter_data_roots(dict(cfg)):
        candidate = osp.abspath(root)
        for _ in range(3):
            marker = read_marker(candidate)
            if marker is not None and marker.get('generator') == GENERATOR:
                worlds.setdefault(candidate, dict(
                    path=config_key(candidate),
                    generator=marker['generator'],
                    format_version=marker.get('format_version'),
                    seed=(marker.get('args') or {}).get('seed'),
                    args=marker.get('args'),
                    parts=marker.get('parts')))
                break
            candidate = osp.dirname(candidate)
    return [worlds[path] for path in sorted(worlds)]


def thread_facts() -> Dict[str, int]:
    """torch's intra-op and inter-op thread counts now."""
    import torch
    return dict(torch=torch.get_num_threads(),
                torch_interop=torch.get_num_interop_threads())


def environment_facts(cfg: Any, world_size: int = 1) -> Dict[str, Any]:
    """Packages, git, threads, device and demo world of a run.

    Args:
        cfg (Config | dict): The run's config.
        world_size (int): Processes of a distributed run.
    """
    import torch
    device = (torch.cuda.get_device_name(0)
              if torch.cuda.is_available() else 'cpu')
    return dict(
        packages=package_versions(),
        git=git_facts(),
        threads=thread_facts(),
        env={name: os.environ.get(name)
             for name in RECORDED_ENV_VARS},
        device=device,
        world_size=world_size,
        demo_world=demo_world_facts(cfg))


class RunSession:
    """What one process run of a tool contributes to a record.

    Created when the run starts (start time, load average, the command
    line, environment facts); :meth:`finish` adds the wall time and the
    closing load average.

    Args:
        cfg (Config | dict): The run's config (for the demo world).
        cfg_options (dict, optional): The ``--cfg-options`` overrides.
        world_size (int): Processes of a distributed run.
        command (Sequence[str], optional): The command line, when the tool
            was not started from it (its ``main(argv)`` called in a
            process). Defaults to ``python`` and ``sys.argv``.
    """

    def __init__(self,
                 cfg: Any,
                 cfg_options: Optional[dict] = None,
                 world_size: int = 1,
                 command: Optional[Sequence[str]] = None) -> None:
        self._start = time.perf_counter()
        self.facts: Dict[str, Any] = dict(
            command=shlex.join(command or ['python', *sys.argv]),
            cwd=os.getcwd(),
            cfg_options=to_json_value(cfg_options, floats=False),
            started_at=datetime.datetime.now(
                datetime.timezone.utc).isoformat(timespec='seconds'),
            environment=environment_facts(cfg, world_size),
            host=host_facts(),
            load_average=dict(start=load_average(), end=None),
            wall_time_s=None)

    def finish(self) -> Dict[str, Any]:
        """The session's facts with its wall time, end load average and
        the threads the run ended with (a tool's ``--threads`` is applied
        after its session starts)."""
        self.facts['environment']['threads'] = thread_facts()
        self.facts['wall_time_s'] = time.perf_counter() - self._start
        self.facts['load_average']['end'] = load_average()
        return self.facts


def write_evaluation(path: str, section: str, config: str,
                     seed: Optional[int], deterministic: bool,
                     session: RunSession, metrics: Dict[str, Any],
                     checkpoint: Optional[str], **extra: Any) -> dict:
    """Add (or replace) an evaluation section of the record at ``path``.

    Args:
        path (str): The record file (created if absent).
        section (str): One of :data:`EVALUATION_SECTIONS`.
        config (str): The run's config file.
        seed (int, optional): The run's seed.
        deterministic (bool): The run's ``randomness.deterministic``.
        session (RunSession): The run, finished here.
        metrics (dict): The evaluation's metrics.
        checkpoint (str, optional): The checkpoint evaluated.
        **extra: More entries of the section (e.g. ``arguments``).

    Returns:
        dict: The saved record.
    """
    if section not in EVALUATION_SECTIONS:
        raise ValueError(f'record section must be one of '
                         f'{EVALUATION_SECTIONS}, got {section!r}')
    record = open_record(path, config, seed, deterministic)
    record[section] = dict(
        session.finish(),
        checkpoint=None if checkpoint is None else dict(
            path=checkpoint, sha256=file_sha256(checkpoint)),
        metrics=to_json_value(metrics),
        **extra)
    save_record(path, record)
    return record


def tool_command(script: str, argv: Optional[Sequence[str]]) -> List[str]:
    """The command line of a tool whose ``main(argv)`` may be called in a
    process: ``python SCRIPT ARGV`` (``SCRIPT`` relative to the working
    directory), or ``sys.argv`` when ``argv`` is None (started from the
    command line)."""
    if argv is None:
        return ['python', *sys.argv]
    return ['python', osp.relpath(script), *argv]


def add_record_option(parser: argparse.ArgumentParser,
                      help_text: str = TOOL_RECORD_HELP) -> None:
    """Add a tool's ``--record PATH``: where :func:`save_tool_record`
    writes the run's record (no record without it).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        help_text (str): The option's help (what the record holds).
    """
    parser.add_argument('--record', help=help_text)


def tool_session(script: str, argv: Optional[Sequence[str]],
                 cfg: Any = None) -> RunSession:
    """Start the session of a tool run whose record
    :func:`save_tool_record` writes, with the command line of
    :func:`tool_command`.

    Args:
        script (str): The tool's ``__file__``.
        argv (Sequence[str], optional): The arguments given to the tool's
            ``main``; None when it was started from the command line.
        cfg (Config | dict, optional): The config the tool runs (its demo
            world is recorded); none by default.

    Returns:
        RunSession: The started session.
    """
    return RunSession({} if cfg is None else cfg,
                      command=tool_command(script, argv))


def save_tool_record(path: str, session: RunSession, **results: Any) -> dict:
    """Save the record of a tool run that is not a training or a test (a
    benchmark, the curation): the session's facts (command, threads,
    versions, git, host, load, wall time) and the tool's results.

    Args:
        path (str): The record file (written atomically, replaced if it
            exists).
        session (RunSession): The run, finished here.
        **results: The tool's results (JSON-serialisable).

    Returns:
        dict: The saved record.
    """
    record = dict(format_version=RECORD_FORMAT_VERSION, tool=session.finish(),
                  **to_json_value(results, floats=False))
    save_record(path, record)
    return record


__all__ = [
    'EVALUATION_SECTIONS', 'RECORD_FORMAT_VERSION', 'RunSession',
    'TOOL_RECORD_HELP', 'add_record_option', 'save_tool_record',
    'tool_command', 'tool_session',
    'config_key', 'default_record_path', 'demo_world_facts',
    'environment_facts', 'file_sha256', 'git_facts', 'load_record',
    'open_record', 'save_record', 'thread_facts', 'to_json_value',
    'write_evaluation'
]
