"""Train and test configs over seeds, record every run, print the table.

For each config and each seed, one run at a time, with a fixed number of
threads (``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS``, which torch reads at
start-up)::

    python tools/train.py CONFIG --work-dir W/<stem>/seed<k> \\
        --record R --cfg-options randomness.seed=<k> [OPTIONS]
    python tools/test.py CONFIG <last checkpoint> --work-dir .../test \\
        --record R --cfg-options randomness.seed=<k> [OPTIONS]
    [python tools/analysis_tools/knn_eval.py CONFIG --checkpoint <last> \\
        --k K... --record R --cfg-options randomness.seed=<k> [OPTIONS]]

where ``R`` is ``<results dir>/<stem>_seed<k>.json`` (default results dir:
``results/`` beside the config) and ``{seed}`` in ``--cfg-options`` becomes
the seed. Then it prints the markdown table (mean ± sample std over seeds,
see :mod:`mmvision_plus.utils.results_table`). Examples::

    # 3 seeds of the SIoU comparison, 2 threads, then the table and curve
    python tools/analysis_tools/run_table.py \\
        configs/siou/fcos_r18_fpn_{giou,ciou,siou}_1xb8-12e_demo-world.py \\
        --seeds 0 1 2 --threads 2 --skip-existing \\
        --metrics coco/bbox_mAP@4 coco/bbox_mAP@8 coco/bbox_mAP \\
        --curve work_dirs/siou.png --curve-metric coco/bbox_mAP
    # tables from the records only
    python tools/analysis_tools/run_table.py CONFIG... --table-only
    # regenerate every results block of the READMEs, and the metafiles
    python tools/analysis_tools/run_table.py --update-readme README.md \\
        configs/*/README.md --update-metafile configs/*/metafile.yml
    # in CI / tests: fail if any is out of date
    python tools/analysis_tools/run_table.py --check README.md ...

Run it from the repository root (configs and records are named relative to
it) on a machine with nothing else running: the records note the load
average, but cannot undo it.
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
from typing import List, Optional, Sequence, Tuple

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO_ROOT)

from mmvision_plus.utils.results_record import (  # noqa: E402
    default_record_path, load_record)
from mmvision_plus.utils.results_table import (  # noqa: E402
    Column, MetricSpec, Row, curve_series, load_row_records,
    metafile_mismatches, render_table, update_blocks, update_metafile)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('configs', nargs='*', metavar='CONFIG')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--threads', type=int, default=2,
                        help='OMP/MKL threads of every run (default: 2)')
    parser.add_argument('--results-dir',
                        help='folder of the records (default: results/ '
                        'beside each config)')
    parser.add_argument('--work-dir-root', default='work_dirs/table',
                        help='runs go to ROOT/<config stem>/seed<k>')
    parser.add_argument('--skip-existing', action='store_true',
                        help='skip the steps whose record section is '
                        'complete (finished training, test, k-NN)')
    parser.add_argument('--table-only', action='store_true',
                        help='run nothing, tabulate the existing records')
    parser.add_argument('--metrics', nargs='+', metavar='METRIC[=HEADER]',
                        help='table columns, [SECTION:]KEY[@STEP] (default: '
                        'the test metrics of the first record)')
    parser.add_argument('--digits', type=int, default=3)
    parser.add_argument('--cfg-options', nargs='+', action='extend',
                        default=[], metavar='KEY=VALUE',
                        help='overrides for every run (may be given more '
                        'than once); {seed} becomes the seed')
    parser.add_argument('--knn', type=int, nargs='+', metavar='K',
                        help='also run knn_eval.py --k K... on the trained '
                        'checkpoint (record section "knn")')
    parser.add_argument('--curve', metavar='PNG',
                        help='draw --curve-metric against the epoch')
    parser.add_argument('--curve-metric', default='coco/bbox_mAP')
    parser.add_argument('--update-readme', nargs='+', default=[],
                        metavar='README',
                        help='regenerate the results blocks of these files')
    parser.add_argument('--block', help='with --update-readme: only this '
                        'block')
    parser.add_argument('--update-metafile', nargs='+', default=[],
                        metavar='METAFILE',
                        help='regenerate the measured Results of these '
                        'metafiles')
    parser.add_argument('--check', nargs='+', default=[], metavar='FILE',
                        help='exit 1 if a README block or metafile (.yml) '
                        'differs from what the records give')
    parser.add_argument('--python', default=sys.executable,
                        help='interpreter of the runs')
    return parser.parse_args(argv)


def run_step(command: List[str], log_path: str, threads: int) -> None:
    """Run one tool with fixed threads, its output to ``log_path``.

    Raises:
        SystemExit: The tool failed (the message names the log).
    """
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    env['PYTHONPATH'] = REPO_ROOT + os.pathsep + env.get('PYTHONPATH', '')
    os.makedirs(osp.dirname(osp.abspath(log_path)), exist_ok=True)
    print(f'[run_table] {" ".join(command)}\n            log: {log_path}',
          flush=True)
    with open(log_path, 'w') as log:
        returncode = subprocess.call(command, stdout=log,
                                     stderr=subprocess.STDOUT, env=env)
    if returncode != 0:
        raise SystemExit(f'[run_table] failed ({returncode}): '
                         f'{" ".join(command)}; see {log_path}')


def run_paths(args: argparse.Namespace, config: str,
              seed: int) -> Tuple[str, str, List[str]]:
    """The record path, work dir and ``--cfg-options`` of one run."""
    record_path = default_record_path(config, seed, args.results_dir)
    stem = osp.splitext(osp.basename(config))[0]
    work_dir = osp.join(args.work_dir_root, stem, f'seed{seed}')
    options = [f'randomness.seed={seed}'] + [
        option.replace('{seed}', str(seed)) for option in args.cfg_options
    ]
    return record_path, work_dir, options


def train_config_seed(args: argparse.Namespace, config: str,
                      seed: int) -> Tuple[dict, str]:
    """Train one config with one seed (unless ``--skip-existing`` finds its
    record finished); its record and last checkpoint.

    Raises:
        SystemExit: Training failed or saved no checkpoint.
    """
    record_path, work_dir, options = run_paths(args, config, seed)
    record = load_record(record_path) if args.skip_existing else None
    train = (record or {}).get('train') or {}
    if not train.get('finished'):
        run_step([args.python, osp.join(REPO_ROOT, 'tools', 'train.py'),
                  config, '--work-dir', work_dir, '--record', record_path,
                  '--cfg-options', *options],
                 osp.join(work_dir, 'run_table_train.log'), args.threads)
        record = load_record(record_path)
    checkpoint = record['train']['last_checkpoint']
    if checkpoint is None:
        raise SystemExit(f'[run_table] {record_path}: training saved no '
                         'checkpoint (CheckpointHook with save_last?)')
    return record, checkpoint


def run_config_seed(args: argparse.Namespace, config: str,
                    seed: int) -> None:
    """Train, test (and k-NN evaluate) one config with one seed."""
    record, checkpoint = train_config_seed(args, config, seed)
    record_path, work_dir, options = run_paths(args, config, seed)
    tool = osp.join(REPO_ROOT, 'tools')
    if not (args.skip_existing and record.get('test')):
        run_step([args.python, osp.join(tool, 'test.py'), config, checkpoint,
                  '--work-dir', osp.join(work_dir, 'test'),
                  '--record', record_path, '--cfg-options', *options],
                 osp.join(work_dir, 'run_table_test.log'), args.threads)
    if args.knn and not (args.skip_existing and record.get('knn')):
        run_step([args.python, osp.join(tool, 'analysis_tools', 'knn_eval.py'),
                  config, '--checkpoint', checkpoint, '--k',
                  *map(str, args.knn), '--record', record_path,
                  '--cfg-options', *options],
                 osp.join(work_dir, 'run_table_knn.log'), args.threads)


def table_columns(args: argparse.Namespace) -> List[Column]:
    """The columns of ``--metrics``, or the first record's test metrics."""
    if args.metrics:
        return [Column.from_spec(m, args.digits) for m in args.metrics]
    for config in args.configs:
        for seed in args.seeds:
            record = load_record(
                default_record_path(config, seed, args.results_dir))
            metrics = ((record or {}).get('test') or {}).get('metrics', {})
            names = [k for k, v in metrics.items() if isinstance(v, float)]
            if names:  # a literal '@' of a metric name is '@@' in a spec
                return [Column.from_spec(name.replace('@', '@@'), args.digits)
                        for name in names]
    return []


def print_table(args: argparse.Namespace) -> None:
    """Print the table of ``args.configs`` and draw ``--curve``."""
    columns = table_columns(args)
    rows = [Row(config, f'`{osp.basename(config)}`', columns)
            for config in args.configs]
    for row in rows:
        load_row_records(row, args.seeds, os.getcwd(), args.results_dir)
    table = render_table(rows, columns)
    print(table or f'No complete record of {args.configs} for seeds '
          f'{args.seeds}.')
    if table:
        print('\nmean ± sample std (n - 1 in the denominator) over the '
              'seeds column')
    if args.curve:
        series = curve_series(rows, MetricSpec.parse(args.curve_metric))
        if not series:
            raise SystemExit(f'[run_table] no validation values of '
                             f'{args.curve_metric} to draw')
        from mmvision_plus.utils.results_curve import draw_curve
        metric = MetricSpec.parse(args.curve_metric)
        draw_curve(series, args.curve, title=f'{metric.default_header} '
                   'during training', ylabel=metric.default_header)
        print(f'curve: {args.curve}')


def regenerated(path: str, draw_curves: bool,
                block: Optional[str] = None) -> str:
    """The text of a README or metafile regenerated from the records."""
    with open(path) as file:
        text = file.read()
    name = osp.relpath(osp.abspath(path))
    if path.endswith(('.yml', '.yaml')):
        return update_metafile(text, os.getcwd(), name)
    return update_blocks(text, name, os.getcwd(), only=block,
                         draw_curves=draw_curves)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    if not (args.configs or args.update_readme or args.update_metafile
            or args.check):
        raise SystemExit('[run_table] nothing to do: give CONFIGs (before '
                         'options that take lists), --update-readme, '
                         '--update-metafile or --check')
    if not args.table_only:
        for config in args.configs:
            if not osp.isfile(config):
                raise SystemExit(f'[run_table] config {config} not found')
            for seed in args.seeds:
                run_config_seed(args, config, seed)
    if args.configs:
        print_table(args)
    for path in [*args.update_readme, *args.update_metafile]:
        text = regenerated(path, draw_curves=True, block=args.block)
        with open(path, 'w') as file:
            file.write(text)
        print(f'updated {path}')
    stale = []
    for path in args.check:
        with open(path) as file:
            current = file.read()
        if path.endswith(('.yml', '.yaml')):
            stale += metafile_mismatches(current, os.getcwd(), path)
        elif regenerated(path, draw_curves=False) != current:
            stale.append(f'{path}: results blocks differ from the records')
    if stale:
        raise SystemExit('\n'.join(stale))


if __name__ == '__main__':
    main()
