"""Curate a pretraining image list from an uncurated pool (DINOv2 LVD-142M
pipeline): embed every image, drop near-duplicates inside the pool and
pool images too close to an evaluation set, k-means the pool, and retrieve
for every curated image its N nearest pool images (or sample M from its
cluster when the curated set is small).

Each image set is a folder, a ``.txt`` list of paths or a COCO ``.json``.
The backbone is a ``DINOv2ViT`` (``--arch`` + official-layout
``--checkpoint``) or any model config (``--config`` + a checkpoint of that
model). Features are cached per set in ``--cache-dir`` (default
``OUT_DIR/embeddings``) and a killed run resumes where it stopped.

Examples::

    python tools/data/curate.py --curated data/curated/ --pool data/pool/ \\
        --eval data/val.txt --arch small --checkpoint dinov2_vits14.pth \\
        --num-clusters 1000 --out-dir work_dirs/curation
    python tools/data/curate.py --curated cur.txt --pool pool.json \\
        --config configs/dinov2/dinov2-linear_vit-t14-rand_1xb64-6e_demo-world-crops.py \\
        --checkpoint epoch_6.pth --out-dir work_dirs/curation
    # 100k random 256-D embeddings with planted duplicates, timed per step:
    python tools/data/curate.py --synthetic 100000 --num-clusters 1000 \\
        --out-dir work_dirs/curation_synthetic

Outputs (written atomically): ``selected_images.txt``, ``sources.json``,
``report.json``, ``report.txt`` (see ``configs/dinov2/README.md``).
"""
import argparse
import json
import os.path as osp
import sys

from mmengine.config import DictAction

from mmvision_plus.datasets.curation import (FEATURES, CurationParams,
                                             build_image_embedder,
                                             curate_image_sources,
                                             curate_synthetic,
                                             format_summary)
from mmvision_plus.utils.results_record import (add_record_option,
                                                 save_tool_record,
                                                 tool_session)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out-dir', required=True,
                        help='folder for the list, sources and report')
    add_record_option(
        parser, 'also write a results record here: the command, '
        'threads, versions, host, load and wall time of this run with the '
        "report's counts and per-step timings (without the per-image "
        "'removed' lists)")
    data = parser.add_argument_group('image sets (folder, .txt or COCO .json)')
    data.add_argument('--curated', help='curated (query) images')
    data.add_argument('--pool', help='uncurated pool')
    data.add_argument('--eval', help='evaluation images to stay away from')
    for role in ('curated', 'pool', 'eval'):
        data.add_argument(f'--{role}-root',
                          help=f'root of relative paths in the {role} list / '
                          'COCO file (default: that file\'s folder)')
    data.add_argument('--synthetic', type=int, metavar='N',
                      help='curate N random synthetic pool embeddings with '
                      'planted duplicates instead of images')
    data.add_argument('--synthetic-dim', type=int, default=256)
    model = parser.add_argument_group('embedding model')
    model.add_argument('--arch', help='DINOv2ViT arch name, or a JSON dict '
                       '(embed_dims, num_layers, num_heads, ...)')
    model.add_argument('--config', help='model config file (instead of '
                       '--arch)')
    model.add_argument('--checkpoint', help='official-layout DINOv2 weights '
                       '(--arch) or a checkpoint of the config\'s model')
    model.add_argument('--backbone-options', nargs='+', action=DictAction,
                       help='more DINOv2ViT arguments for --arch, key=value '
                       '(e.g. num_register_tokens=4 img_size=224)')
    model.add_argument('--feature', choices=FEATURES, default='cls')
    model.add_argument('--image-size', type=int, default=224)
    model.add_argument('--batch-size', type=int, default=64)
    model.add_argument('--num-workers', type=int, default=0)
    model.add_argument('--device', default='cpu')
    model.add_argument('--skip-unreadable', action='store_true',
                       help='leave out (and report) images that cannot be '
                       'read instead of stopping')
    model.add_argument('--cache-dir', help='embedding cache (default: '
                       'OUT_DIR/embeddings)')
    model.add_argument('--shard-size', type=int, default=1024,
                       help='images per cache shard')
    model.add_argument('--no-progress', action='store_true')
    sel = parser.add_argument_group('selection')
    defaults = CurationParams()
    sel.add_argument('--dedup-threshold', type=float,
                     default=defaults.dedup_threshold)
    sel.add_argument('--eval-threshold', type=float,
                     default=defaults.eval_threshold)
    sel.add_argument('--num-clusters', type=int, default=defaults.num_clusters)
    sel.add_argument('--kmeans-iters', type=int,
                     default=defaults.kmeans_iters)
    sel.add_argument('--seed', type=int, default=defaults.seed)
    sel.add_argument('--neighbours', type=int,
                     default=defaults.num_neighbours,
                     help='N nearest pool images per curated image')
    sel.add_argument('--cluster-samples', type=int,
                     default=defaults.cluster_samples,
                     help='M pool images sampled per curated image from its '
                     'cluster when the curated set is small')
    sel.add_argument('--small-query-size', type=int,
                     default=defaults.small_query_size,
                     help='a curated set with fewer images is small')
    sel.add_argument('--include-curated', action='store_true',
                     help='list the curated images too')
    args = parser.parse_args(argv)
    if args.synthetic is not None:
        if args.curated or args.pool or args.eval:
            parser.error('--synthetic replaces --curated, --pool and --eval')
    else:
        if not (args.curated and args.pool):
            parser.error('--curated and --pool are required (or '
                         '--synthetic N)')
        if bool(args.arch) == bool(args.config) or not args.checkpoint:
            parser.error('give --checkpoint and exactly one of --arch and '
                         '--config')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    session = tool_session(__file__, argv)
    params = CurationParams(
        dedup_threshold=args.dedup_threshold,
        eval_threshold=args.eval_threshold, num_clusters=args.num_clusters,
        kmeans_iters=args.kmeans_iters, seed=args.seed,
        num_neighbours=args.neighbours, cluster_samples=args.cluster_samples,
        small_query_size=args.small_query_size)
    if args.synthetic is not None:
        report = curate_synthetic(args.synthetic, args.out_dir,
                                  dim=args.synthetic_dim, params=params,
                                  seed=args.seed,
                                  include_curated=args.include_curated)
    else:
        arch = args.arch
        if arch and arch.lstrip().startswith('{'):
            arch = json.loads(arch)
        embedder = build_image_embedder(
            args.checkpoint, arch=arch, config=args.config,
            backbone_options=args.backbone_options, feature=args.feature,
            image_size=args.image_size, batch_size=args.batch_size,
            num_workers=args.num_workers, device=args.device,
            skip_unreadable=args.skip_unreadable)
        roots = {role: getattr(args, f'{role}_root')
                 for role in ('curated', 'pool', 'eval')
                 if getattr(args, f'{role}_root')}
        report = curate_image_sources(
            args.curated, args.pool, args.out_dir, embedder,
            eval_source=args.eval, roots=roots, params=params,
            cache_dir=args.cache_dir or osp.join(args.out_dir, 'embeddings'),
            shard_size=args.shard_size,
            include_curated=args.include_curated,
            progress=not args.no_progress)
    print(format_summary(report), end='')
    print(f'wrote {report["files"]["list"]} and the report in '
          f'{args.out_dir}')
    if args.record:
        save_tool_record(args.record, session, report={
            key: value for key, value in report.items()
            if key not in ('removed', 'files')})
    return 0


if __name__ == '__main__':
    sys.exit(main())
