"""Retrieve images for texts, or texts for images, with an image-text model.

    # text -> images over a gallery (files and/or directories of images)
    python tools/retrieve.py CONFIG CHECKPOINT --texts "a red circle" \
        --images data/demo_world/images/val --topk 5
    # image -> texts over a gallery of captions (one per line in a file)
    python tools/retrieve.py CONFIG CHECKPOINT --query-images a.png b.png \
        --gallery-texts captions.txt --topk 3

Prints (and with ``--out`` writes) JSON: per query the best gallery items
with the model's ranking score (ITC, ITM re-ranked for ALBEF / BLIP).
"""
import argparse
from typing import List

from mmvision_plus.apis import ImageTextInferencer, dump_json, list_images

def read_lines(path: str) -> List[str]:
    with open(path) as f:
        lines = [line.strip() for line in f if line.strip()]
    if not lines:
        raise ValueError(f'{path} holds no text')
    return lines


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--texts', nargs='+', help='text queries')
    parser.add_argument('--images', nargs='+',
                        help='image gallery: files or directories')
    parser.add_argument('--query-images', nargs='+',
                        help='image queries: files or directories')
    parser.add_argument('--gallery-texts',
                        help='text gallery: a file with one text per line')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='write the results to this JSON file')
    args = parser.parse_args(argv)
    text_to_image = args.texts is not None or args.images is not None
    image_to_text = args.query_images is not None or \
        args.gallery_texts is not None
    if text_to_image == image_to_text or (
            text_to_image and not (args.texts and args.images)) or (
            image_to_text and not (args.query_images and args.gallery_texts)):
        parser.error('give either --texts and --images (text -> image) or '
                     '--query-images and --gallery-texts (image -> text)')
    return args


def main(argv=None) -> list:
    args = parse_args(argv)
    model = ImageTextInferencer(args.config, args.checkpoint, args.device)
    if args.texts:
        gallery = list_images(args.images)
        ranked = model.retrieve_images(args.texts, gallery, args.topk)
        results = [dict(query=text, results=[dict(r, image=gallery[r['index']])
                                             for r in hits])
                   for text, hits in zip(args.texts, ranked)]
    else:
        queries = list_images(args.query_images)
        gallery = read_lines(args.gallery_texts)
        ranked = model.retrieve_texts(queries, gallery, args.topk)
        results = [dict(query=image, results=[dict(r, text=gallery[r['index']])
                                              for r in hits])
                   for image, hits in zip(queries, ranked)]
    dump_json(results, args.out)
    return results


if __name__ == '__main__':
    main()
