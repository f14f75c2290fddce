"""CapFilt (BLIP): caption a dataset with the captioner, filter original and
synthetic captions with the ITM filter, write the cleaned annotation file.

    python tools/data/capfilt.py ANN_FILE IMAGE_DIR OUT_FILE \
        --captioner CONFIG CHECKPOINT [--filter CONFIG CHECKPOINT] \
        [--num-synthetic 1] [--strategy nucleus] [--threshold 0.5] \
        [--report OUT_REPORT.json]

``ANN_FILE`` is a Karpathy-style json (records ``{"image", "caption": str
| list}``, the layout of :class:`~mmvision_plus.datasets.KarpathyImageText`
and of BLIP's pretraining files); images are read from ``IMAGE_DIR``. For
each image the captioner writes ``--num-synthetic`` captions (BLIP samples
them with nucleus sampling, top-p 0.9); the filter (by default the
captioner's model; BLIP fine-tunes a separate one) keeps a caption, original
or synthetic, when its ITM probability of matching the image exceeds
``--threshold`` (BLIP: the ITM head says "matched", i.e. 0.5). The output
has one record per image with its kept captions (images left with none are
dropped), the same layout as the input. The report (default
``OUT_FILE`` with ``.report.json``) counts kept and removed captions per
source (original, synthetic) and shows examples of each. Both files are
written atomically: an interrupted run leaves no partial output.
"""
import argparse
import json
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import torch

from mmvision_plus.apis import ImageTextInferencer
from mmvision_plus.datasets import KarpathyImageText
from mmvision_plus.utils.atomic_io import atomic_write

SOURCES = ('original', 'synthetic')


def read_images(ann_file: str, image_dir: str) -> 'OrderedDict[str, list]':
    """``{image (as in the file): [original captions]}``, validated by
    :class:`KarpathyImageText` (named errors for bad records, missing
    images)."""
    KarpathyImageText(ann_file, data_prefix=dict(img_path=image_dir),
                      test_mode=True)  # validates the file and the images
    with open(ann_file) as f:
        records = json.load(f)
    images: 'OrderedDict[str, list]' = OrderedDict()
    for record in records:
        captions = record['caption']
        images.setdefault(record['image'], []).extend(
            [captions] if isinstance(captions, str) else captions)
    return images


@torch.no_grad()
def match_probabilities(model: ImageTextInferencer, image: str,
                        captions: Sequence[str]) -> List[float]:
    """ITM probability of ``image`` matching each caption."""
    image_out = model.encode_images([image])
    text_out = model.encode_texts(list(captions))
    n = len(captions)
    logits = model.model.match_logits(
        image_out['image_embeds'].expand(n, -1, -1), text_out['text_ids'],
        text_out['text_mask'], text_out.get('text_embeds'))
    return torch.softmax(logits, dim=1)[:, 1].tolist()


def capfilt(images: 'OrderedDict[str, list]', image_dir: str,
            captioner: ImageTextInferencer, filter_model: ImageTextInferencer,
            num_synthetic: int = 1, threshold: float = 0.5,
            num_examples: int = 5, **generation) -> tuple:
    """Caption, filter and count.

    Returns:
        tuple[list, dict]: The cleaned records and the report.
    """
    if not hasattr(filter_model.model, 'match_logits') or \
            not hasattr(captioner.model, 'caption'):
        raise TypeError('CapFilt needs a captioner with a decoder and a '
                        'filter with an ITM head (BLIP configs)')
    counts = {s: dict(kept=0, removed=0) for s in SOURCES}
    examples: Dict[str, Dict[str, list]] = {
        s: dict(kept=[], removed=[]) for s in SOURCES}
    cleaned = []
    for image, originals in images.items():
        path = osp.join(image_dir, image)
        synthetic = [c for c in captioner.caption(
            [path] * num_synthetic, **generation) if c.strip()]
        candidates = [(c, 'original') for c in originals] + \
            [(c, 'synthetic') for c in synthetic]
        probs = match_probabilities(filter_model, path,
                                    [c for c, _ in candidates])
        kept = []
        for (caption, source), prob in zip(candidates, probs):
            verdict = 'kept' if prob > threshold else 'removed'
            counts[source][verdict] += 1
            if len(examples[source][verdict]) < num_examples:
                examples[source][verdict].append(
                    dict(image=image, caption=caption, itm=round(prob, 4)))
            if verdict == 'kept':
                kept.append(caption)
        if kept:
            cleaned.append(dict(image=image, caption=kept))
    report = dict(num_images=len(images), images_kept=len(cleaned),
                  threshold=threshold, num_synthetic=num_synthetic,
                  generation=generation, counts=counts, examples=examples)
    return cleaned, report


def write_json(path: str, data) -> None:
    with atomic_write(path, 'w') as f:
        json.dump(data, f, indent=1)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann_file')
    parser.add_argument('image_dir')
    parser.add_argument('out_file')
    parser.add_argument('--captioner', nargs=2, required=True,
                        metavar=('CONFIG', 'CHECKPOINT'))
    parser.add_argument('--filter', nargs=2, metavar=('CONFIG', 'CHECKPOINT'),
                        help='ITM filter model (default: the captioner)')
    parser.add_argument('--num-synthetic', type=int, default=1)
    parser.add_argument('--threshold', type=float, default=0.5)
    parser.add_argument('--strategy', default='nucleus',
                        choices=('nucleus', 'beam', 'greedy'))
    parser.add_argument('--top-p', type=float, default=0.9)
    parser.add_argument('--max-length', type=int)
    parser.add_argument('--min-length', type=int)
    parser.add_argument('--num-examples', type=int, default=5)
    parser.add_argument('--report', help='default: OUT_FILE.report.json')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of nucleus sampling')
    args = parser.parse_args(argv)
    if args.num_synthetic < 0 or not 0 <= args.threshold <= 1:
        parser.error('--num-synthetic must be >= 0 and --threshold in [0, 1]')
    return args


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    images = read_images(args.ann_file, args.image_dir)
    captioner = ImageTextInferencer(*args.captioner, device=args.device)
    filter_model = captioner if args.filter is None else \
        ImageTextInferencer(*args.filter, device=args.device)
    generation = {k: v for k, v in dict(
        strategy=args.strategy, max_length=args.max_length,
        min_length=args.min_length).items() if v is not None}
    if args.strategy == 'nucleus':
        generation['top_p'] = args.top_p
    cleaned, report = capfilt(images, args.image_dir, captioner,
                              filter_model, args.num_synthetic,
                              args.threshold, args.num_examples, **generation)
    report.update(ann_file=args.ann_file, out_file=args.out_file,
                  captioner=args.captioner,
                  filter=args.filter or args.captioner)
    report_file = args.report or osp.splitext(args.out_file)[0] + \
        '.report.json'
    write_json(args.out_file, cleaned)
    write_json(report_file, report)
    print(json.dumps(report['counts'], indent=1))
    print(f'wrote {args.out_file} ({len(cleaned)} images) and {report_file}')
    return report


if __name__ == '__main__':
    main()
