"""Generate the mmvision_plus demo world (synthetic data in real formats).

Examples::

    python tools/data/make_demo_world.py --out data/demo_world --seed 0
    python tools/data/make_demo_world.py --out /tmp/w --num-train 8 \\
        --num-val 4 --img-size 64 --only detection,pedes
    python tools/data/make_demo_world.py --out data/demo_world --skip-existing
"""
import argparse
import sys
import time

from mmvision_plus.datasets.demo_world import (COMPONENTS, ensure_demo_world,
                                               generate_demo_world,
                                               read_marker)


def pair(text: str) -> tuple:
    """Parse ``'A,B'`` into a pair of ints."""
    try:
        lo, hi = (int(v) for v in text.split(','))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'expected two comma separated integers, got {text!r}')
    return lo, hi


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate the mmvision_plus demo world.')
    parser.add_argument('--out', required=True,
                        help='output directory, e.g. data/demo_world')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-train', type=int, default=480,
                        help='training scenes')
    parser.add_argument('--num-val', type=int, default=120,
                        help='validation scenes')
    parser.add_argument('--img-size', type=int, default=160,
                        help='side of scenes and video frames (px)')
    parser.add_argument('--num-identities', type=int, default=100,
                        help='person-search identities (split 60/20/20)')
    parser.add_argument('--images-per-identity', type=pair, default=(4, 6),
                        metavar='MIN,MAX')
    parser.add_argument('--pedes-size', type=pair, default=(128, 64),
                        metavar='H,W', help='identity image size')
    parser.add_argument('--num-videos', type=int, default=24,
                        help='training videos')
    parser.add_argument('--num-val-videos', type=int, default=8,
                        help='validation videos')
    parser.add_argument('--video-frames', type=pair, default=(8, 16),
                        metavar='MIN,MAX', help='frames per video')
    parser.add_argument('--captions-per-image', type=int, default=5)
    parser.add_argument('--crop-size', type=int, default=48)
    parser.add_argument('--only', default=None,
                        help='comma separated parts to write, from '
                        f'{",".join(COMPONENTS)} (default: all)')
    parser.add_argument('--skip-existing', action='store_true',
                        help='do nothing if OUT already holds a complete '
                        'world generated with the same arguments')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    kwargs = dict(seed=args.seed, num_train=args.num_train,
                  num_val=args.num_val, img_size=args.img_size,
                  num_identities=args.num_identities,
                  images_per_identity=args.images_per_identity,
                  pedes_size=args.pedes_size, num_videos=args.num_videos,
                  num_val_videos=args.num_val_videos,
                  video_frames=args.video_frames,
                  captions_per_image=args.captions_per_image,
                  crop_size=args.crop_size, only=args.only,
                  log=lambda msg: print(msg, flush=True))
    start = time.time()
    try:
        if args.skip_existing:
            out = ensure_demo_world(args.out, **kwargs)
        else:
            out = generate_demo_world(args.out, **kwargs)
    except ValueError as e:
        print(f'make_demo_world: {e}', file=sys.stderr)
        return 2
    marker = read_marker(out)
    print(f'demo world ready at {out} ({time.time() - start:.1f} s): ' +
          ', '.join(f'{k}={v}' for k, v in marker['counts'].items()))
    return 0


if __name__ == '__main__':
    sys.exit(main())
