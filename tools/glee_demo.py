"""Detect, segment or ground what a text prompt names, with GLEE.

One line::

    python tools/glee_demo.py scene.png --texts circle star --out vis/
    python tools/glee_demo.py scene.png --texts "the red star left of the \\
        square" --task grounding --checkpoint work_dirs/glee/epoch_12.pth

writes ``vis/<image>`` (drawn predictions) and ``vis/preds/<image>.json``
(boxes, RLE masks, scores, labels and their names) and prints a summary.
"""
import argparse

from mmvision_plus.apis import GLEEInferencer

DEFAULT_CONFIG = 'configs/glee/glee_r18_demo_1xb4-12e_demo-world-instance.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('images', nargs='+', help='image files or folders')
    parser.add_argument('--texts', nargs='+', required=True,
                        help='class names, or one referring expression')
    parser.add_argument(
        '--task', default='instance',
        choices=['instance', 'det', 'open_world', 'grounding'])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--checkpoint', default=None,
                        help='model weights (default: random weights)')
    parser.add_argument('--out', default='', help='output folder')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='minimum score drawn and printed')
    parser.add_argument('--device', default=None)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    inferencer = GLEEInferencer(args.config, checkpoint=args.checkpoint,
                                device=args.device)
    out = inferencer(args.images, texts=args.texts, task=args.task,
                     out_dir=args.out, pred_score_thr=args.score_thr)
    for image, pred in zip(args.images, out['predictions']):
        kept = [(name, score, box) for name, score, box in zip(
            pred['label_names'], pred['scores'], pred['bboxes'])
                if score >= args.score_thr]
        print(f'{image}: {len(kept)} objects with score >= {args.score_thr}')
        for name, score, box in kept:
            print(f'  {name:30s} {score:.3f}  '
                  f'[{", ".join(f"{v:.1f}" for v in box)}]')
    if args.out:
        print(f'drawn predictions in {args.out}/vis, json in '
              f'{args.out}/preds')


if __name__ == '__main__':
    main()
