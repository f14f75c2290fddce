"""Train and test the seven vision-language models of the family on the
demo world with one budget, then write the comparison table of
``configs/vl_benchmark/README.md`` from the results records.

Every model trains on the same 480 demo scenes x 5 captions for 15 epochs
of 37 batches of 64 samples (35,520 samples; a multi-stage model's stages
add up to the 15 epochs), with the same 4-layer 192-wide image path on 96
px scenes, AdamW lr 5e-4 with one warm-up epoch and cosine decay, and is
tested on the 120 val scenes (R@1/5/10 both ways). Each final config's
test also measures (``RetrievalCostHook``, same threads for all) the cost
of a text query against the 120-image gallery, of encoding the gallery,
and the trainable parameters. For each model and seed, one run at a time
with a fixed number of threads::

    [build the k-means visual tokenizer if its codebook is missing]
    python tools/train.py STAGE ... --record R_STAGE     (earlier stages,
        each starting from the previous one's last checkpoint)
    python tools/train.py FINAL ... --record R_FINAL
    python tools/test.py FINAL <last checkpoint> --record R_FINAL
    [python tools/test.py CAPTION <last checkpoint> --record R_CAPTION]

(the last two lines through ``run_table.py``'s steps, with
``model.init_cfg.checkpoint`` set to the previous stage's checkpoint),
records in ``results/`` beside each config; then the blocks of
``configs/vl_benchmark/README.md`` are regenerated from the records.
Examples::

    python tools/analysis_tools/vl_benchmark.py --seeds 0 1 2 --threads 2
    python tools/analysis_tools/vl_benchmark.py --models vlmo beit3 \\
        --seeds 0 --skip-existing
    python tools/analysis_tools/vl_benchmark.py --table-only

Run it from the repository root on a quiet machine (records note the load
average; timings mean nothing on a busy one).
"""
import argparse
import os.path as osp
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis_tools'))

from run_table import (regenerated, run_config_seed, run_step,  # noqa: E402
                       train_config_seed)

from mmvision_plus.utils.results_record import (  # noqa: E402
    default_record_path, load_record)

README = 'configs/vl_benchmark/README.md'


@dataclass(frozen=True)
class Member:
    """One model of the benchmark.

    Args:
        name (str): Key on the command line.
        final (str): The config trained last and tested (retrieval).
        stages (tuple[str]): Configs trained before, in order; each starts
            from the previous one's last checkpoint
            (``model.init_cfg.checkpoint``), and so does ``final``.
        tokenizer (str, optional): A config whose visual-tokenizer codebook
            must exist before the stages run.
        caption (str, optional): A captioning config tested on the final
            checkpoint.
    """

    name: str
    final: str
    stages: Tuple[str, ...] = field(default_factory=tuple)
    tokenizer: Optional[str] = None
    caption: Optional[str] = None


_VLMO = 'configs/vlmo/vlmo_multiway-t16_1xb64-'
_BEIT3 = 'configs/beit3/beit3_multiway-t16_1xb64-'
MEMBERS: Tuple[Member, ...] = (
    Member('clip', 'configs/vl_benchmark/'
           'clip_vit-t16-text-t_1xb64-15e_demo-world-bench.py'),
    Member('vilt', 'configs/vilt/vilt_vit-t16_1xb64-15e_demo-world.py'),
    Member('albef', 'configs/vl_benchmark/'
           'albef_vit-t16-bert-t_1xb64-15e_demo-world-bench.py'),
    Member('vlmo', f'{_VLMO}10e_demo-world-stage3.py',
           stages=(f'{_VLMO}3e_demo-world-stage1-mim.py',
                   f'{_VLMO}2e_demo-world-stage2-textmlm.py'),
           tokenizer=f'{_VLMO}3e_demo-world-stage1-mim.py'),
    Member('blip', 'configs/vl_benchmark/'
           'blip_vit-t16-med-t_1xb64-15e_demo-world-bench.py'),
    Member('coca', 'configs/coca/coca_vit-t16_1xb64-15e_demo-world.py',
           caption='configs/coca/'
           'coca_vit-t16_1xb64-15e_demo-world-caption.py'),
    Member('beit3', f'{_BEIT3}10e_demo-world.py',
           stages=(f'{_BEIT3}5e_demo-world-pretrain.py', ),
           tokenizer=f'{_BEIT3}5e_demo-world-pretrain.py'),
)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    names = [m.name for m in MEMBERS]
    parser.add_argument('--models', nargs='+', choices=names, default=names)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--results-dir', help='one folder for all records '
                        '(default: results/ beside each config; a README '
                        'table reads the default folders)')
    parser.add_argument('--work-dir-root', default='work_dirs/table')
    parser.add_argument('--skip-existing', action='store_true',
                        help='skip the runs whose record is complete')
    parser.add_argument('--table-only', action='store_true',
                        help='run nothing, regenerate the README table')
    parser.add_argument('--cfg-options', nargs='+', action='extend',
                        default=[], metavar='KEY=VALUE',
                        help='overrides for every run; {seed} becomes the '
                        'seed')
    parser.add_argument('--python', default=sys.executable)
    return parser.parse_args(argv)


def run_args(args: argparse.Namespace,
             init_checkpoint: Optional[str]) -> argparse.Namespace:
    """The options of :func:`run_table.run_config_seed` for one run."""
    options = list(args.cfg_options)
    if init_checkpoint is not None:
        options.append(f'model.init_cfg.checkpoint={init_checkpoint}')
    return argparse.Namespace(
        results_dir=args.results_dir, work_dir_root=args.work_dir_root,
        cfg_options=options, skip_existing=args.skip_existing,
        python=args.python, threads=args.threads, knn=None)


def train_stage(args: argparse.Namespace, config: str, seed: int,
                init_checkpoint: Optional[str]) -> str:
    """Train one earlier stage (no test: it has no evaluation) with its
    record; return its last checkpoint."""
    return train_config_seed(run_args(args, init_checkpoint), config,
                             seed)[1]


def ensure_visual_tokenizer(args: argparse.Namespace, config: str) -> None:
    """Build the codebook the config reads if it is missing."""
    from mmengine.config import Config
    codebook = Config.fromfile(config).model.visual_tokenizer.codebook
    if osp.isfile(codebook):
        return
    run_step([args.python, osp.join(REPO_ROOT, 'tools', 'analysis_tools',
                                    'build_visual_tokenizer.py'), config],
             osp.join(args.work_dir_root, 'build_visual_tokenizer.log'),
             args.threads)


def run_member(args: argparse.Namespace, member: Member, seed: int) -> None:
    """All runs of one model and seed."""
    if member.tokenizer:
        ensure_visual_tokenizer(args, member.tokenizer)
    checkpoint = None
    for stage in member.stages:
        checkpoint = train_stage(args, stage, seed, checkpoint)
    run_config_seed(run_args(args, checkpoint), member.final, seed)
    if member.caption is None:
        return
    final = load_record(default_record_path(member.final, seed,
                                            args.results_dir))
    caption_record = default_record_path(member.caption, seed,
                                         args.results_dir)
    if args.skip_existing and (load_record(caption_record) or {}).get('test'):
        return
    stem = osp.splitext(osp.basename(member.caption))[0]
    work_dir = osp.join(args.work_dir_root, stem, f'seed{seed}')
    run_step([args.python, osp.join(REPO_ROOT, 'tools', 'test.py'),
              member.caption, final['train']['last_checkpoint'],
              '--work-dir', work_dir, '--record', caption_record,
              '--cfg-options', f'randomness.seed={seed}'],
             osp.join(work_dir, 'run_table_test.log'), args.threads)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, List[int]]:
    args = parse_args(argv)
    members = [m for m in MEMBERS if m.name in args.models]
    done: Dict[str, List[int]] = {}
    if not args.table_only:
        for member in members:
            for seed in args.seeds:
                run_member(args, member, seed)
                done.setdefault(member.name, []).append(seed)
    text = regenerated(README, draw_curves=False)
    with open(README, 'w') as file:
        file.write(text)
    print(f'[vl_benchmark] updated {README}')
    return done


if __name__ == '__main__':
    main()
