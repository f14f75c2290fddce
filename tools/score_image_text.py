"""Score an image-text pair: ITC cosine similarity and, for models with a
fusion encoder (ALBEF, BLIP), the ITM probability that they match.

    python tools/score_image_text.py CONFIG CHECKPOINT IMAGE "a red circle"
"""
import argparse

from mmvision_plus.apis import ImageTextInferencer, dump_json


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image')
    parser.add_argument('text')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    model = ImageTextInferencer(args.config, args.checkpoint, args.device)
    result = dict(image=args.image, text=args.text,
                  **model.score(args.image, args.text))
    dump_json(result)
    return result


if __name__ == '__main__':
    main()
