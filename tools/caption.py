"""Caption images with a BLIP model.

    python tools/caption.py CONFIG CHECKPOINT data/demo_world/images/val \
        [--strategy beam|greedy|nucleus] [--max-length 20] [--out caps.json]

Images are files or directories of images; prints (and with ``--out``
writes) JSON ``[{"image": path, "caption": text}, ...]``.
"""
import argparse

from mmvision_plus.apis import ImageTextInferencer, dump_json, list_images


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('images', nargs='+', help='files or directories')
    parser.add_argument('--strategy', choices=('beam', 'greedy', 'nucleus'))
    parser.add_argument('--max-length', type=int)
    parser.add_argument('--min-length', type=int)
    parser.add_argument('--num-beams', type=int)
    parser.add_argument('--top-p', type=float)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='write the captions to this JSON file')
    args = parser.parse_args(argv)
    generation = {k: v for k, v in dict(
        strategy=args.strategy, max_length=args.max_length,
        min_length=args.min_length, num_beams=args.num_beams,
        top_p=args.top_p).items() if v is not None}
    paths = list_images(args.images)
    model = ImageTextInferencer(args.config, args.checkpoint, args.device)
    results = [dict(image=p, caption=c)
               for p, c in zip(paths, model.caption(paths, **generation))]
    dump_json(results, args.out)
    return results


if __name__ == '__main__':
    main()
