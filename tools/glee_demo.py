"""Detect, segment, ground or track what a prompt names, with GLEE.

One line each::

    # images: class names, or one expression with --task grounding
    python tools/glee_demo.py scene.png --texts circle star --out vis/
    python tools/glee_demo.py scene.png --texts "the red star left of the \\
        square" --task grounding --checkpoint work_dirs/glee/epoch_12.pth
    # interactive segmentation (a config with a visual prompter): clicks
    # (x,y; --neg-points for negative ones), boxes, scribbles, a mask
    python tools/glee_demo.py scene.png --points 40,60 --neg-points 90,20 \\
        --config CONFIG --checkpoint CKPT --out vis/
    python tools/glee_demo.py scene.png --boxes 10,10,80,90 ...
    python tools/glee_demo.py scene.png --scribble 10,10,20,30,40,35 ...
    python tools/glee_demo.py scene.png --mask previous.png --points 30,30 ...
    # videos (a video file, or --video with a folder of frames): tracking
    # with class names, R-VOS with an expression, VOS from a first-frame
    # prompt
    python tools/glee_demo.py clip.mp4 --texts circle star --out vis/
    python tools/glee_demo.py frames/ --video --texts "the red star" \\
        --task grounding --out vis/
    python tools/glee_demo.py clip.mp4 --points 40,60 --out vis/

Images: ``vis/<image>`` (drawn) and ``vis/preds/<image>.json``; videos:
``vis/frames/<t>.jpg``, ``vis/<video>.mp4`` and ``vis/tracks.json``.
A summary is printed.
"""
import argparse
import os.path as osp

import mmcv

from mmvision_plus.apis import GLEEInferencer, GLEEVideoInferencer

DEFAULT_CONFIG = 'configs/glee/glee_r18_demo_1xb4-12e_demo-world-instance.py'
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.mpg', '.mpeg')


def numbers(text: str) -> list:
    """``'x1,y1,x2,...'`` -> floats."""
    try:
        return [float(v) for v in text.split(',')]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'expected comma separated numbers, got {text!r}')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('inputs', nargs='+',
                        help='image files or folders, or one video (a '
                        'video file, or a frames folder with --video)')
    parser.add_argument('--texts', nargs='+',
                        help='class names, or one referring expression')
    parser.add_argument(
        '--task', default='instance',
        choices=['instance', 'det', 'open_world', 'grounding'])
    parser.add_argument('--video', action='store_true',
                        help='the input folder holds the frames of a video')
    parser.add_argument('--points', nargs='+', type=numbers, default=[],
                        metavar='X,Y', help='positive clicks')
    parser.add_argument('--neg-points', nargs='+', type=numbers, default=[],
                        metavar='X,Y', help='negative clicks')
    parser.add_argument('--boxes', nargs='+', type=numbers, default=[],
                        metavar='X1,Y1,X2,Y2', help='boxes')
    parser.add_argument('--scribble', nargs='+', type=numbers, default=[],
                        metavar='X1,Y1,X2,Y2,...',
                        help='positive scribbles (polylines)')
    parser.add_argument('--mask', help='a mask image (non-zero = object)')
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--checkpoint', default=None,
                        help='model weights (default: random weights)')
    parser.add_argument('--out', default='', help='output folder')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='minimum score drawn and printed')
    parser.add_argument('--fps', type=float, default=10.0,
                        help='frame rate of the written video')
    parser.add_argument('--device', default=None)
    return parser.parse_args(argv)


def visual_prompt(args: argparse.Namespace) -> dict:
    """The command line's visual prompt as inferencer arguments."""
    for box in args.boxes:
        if len(box) != 4:
            raise SystemExit(f'--boxes: x1,y1,x2,y2 expected, got {box}')
    for scribble in args.scribble:
        if len(scribble) < 4 or len(scribble) % 2:
            raise SystemExit('--scribble: x1,y1,x2,y2,... (at least two '
                             f'points) expected, got {scribble}')
    for point in args.points + args.neg_points:
        if len(point) != 2:
            raise SystemExit(f'--points / --neg-points: x,y expected, got '
                             f'{point}')
    prompt = {}
    clicks = args.points + args.neg_points
    if clicks:
        prompt['points'] = clicks
        prompt['point_labels'] = [1] * len(args.points) + [0] * len(
            args.neg_points)
    if args.boxes:
        prompt['boxes'] = args.boxes
    if args.scribble:
        prompt['scribbles'] = [[s[i:i + 2] for i in range(0, len(s), 2)]
                               for s in args.scribble]
    if args.mask:
        mask = mmcv.imread(args.mask, flag='grayscale')
        if mask is None:
            raise SystemExit(f'--mask: cannot read {args.mask}')
        prompt['mask'] = mask > 0
    return prompt


def print_objects(name: str, names, scores, boxes, thr: float,
                  ids=None) -> None:
    kept = [k for k, s in enumerate(scores) if s >= thr]
    print(f'{name}: {len(kept)} objects with score >= {thr}')
    for k in kept:
        who = f'#{ids[k]} ' if ids is not None else ''
        print(f'  {who}{names[k]:30s} {scores[k]:.3f}  '
              f'[{", ".join(f"{v:.1f}" for v in boxes[k])}]')


def main(argv=None) -> None:
    args = parse_args(argv)
    prompt = visual_prompt(args)
    is_video = args.video or (len(args.inputs) == 1 and args.inputs[0].lower(
    ).endswith(VIDEO_EXTENSIONS))
    if is_video:
        if len(args.inputs) != 1:
            raise SystemExit('one video at a time')
        inferencer = GLEEVideoInferencer(args.config, args.checkpoint,
                                         args.device)
        out = inferencer(args.inputs[0], texts=args.texts, task=args.task,
                         out_dir=args.out, score_thr=args.score_thr,
                         fps=args.fps, **prompt)
        for t, frame in enumerate(out['frames']):
            print_objects(f'frame {t}', frame['label_names'],
                          frame['scores'], frame['bboxes'], args.score_thr,
                          frame['instances_id'])
        if args.out:
            name = osp.splitext(osp.basename(osp.normpath(
                args.inputs[0])))[0]
            print(f'drawn frames in {args.out}/frames, video '
                  f'{args.out}/{name}.mp4, tracks in {args.out}/tracks.json')
        return
    inferencer = GLEEInferencer(args.config, checkpoint=args.checkpoint,
                                device=args.device)
    out = inferencer(args.inputs, texts=args.texts, task=args.task,
                     out_dir=args.out, pred_score_thr=args.score_thr,
                     **prompt)
    for image, pred in zip(args.inputs, out['predictions']):
        print_objects(image, pred['label_names'], pred['scores'],
                      pred['bboxes'], args.score_thr)
    if args.out:
        print(f'drawn predictions in {args.out}/vis, json in '
              f'{args.out}/preds')


if __name__ == '__main__':
    main()
