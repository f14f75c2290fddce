"""How well do the demo world's captions identify their image?

For every caption of a split, count the images of that split whose content
it matches: every object the caption names (shape, with colour and size
when named) is in the image, and the object count and background it names
(when it does) are the image's. Positions and relations are not checked, so
a caption may match more images than it truly describes: the numbers below
are lower bounds of identifiability. A caption that matches m images can
be retrieved at rank 1 with probability at most 1/m by any model that
ranks by content, so the mean of 1/m over the captions is the text-to-image
R@1 ceiling of the split.

    python tools/analysis_tools/caption_identifiability.py data/demo_world \
        [--split val] [--out report.json]
"""
import argparse
import json
import os.path as osp
import re
import sys
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

from mmvision_plus.datasets.demo_world import (COLOURS, SHAPE_CLASSES,
                                               SIZE_CLASSES)
from mmvision_plus.utils.results_record import (add_record_option,
                                                 save_tool_record,
                                                 tool_session)

COUNT_WORDS = ('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven',
               'eight')
Mention = Tuple[Optional[str], Optional[str], str]  # size, colour, shape


def caption_facts(caption: str) -> dict:
    """The checkable content of a caption.

    Returns:
        dict: ``mentions`` (list of (size | None, colour | None, shape)),
        ``count`` (int | None) and ``background`` (str | None, e.g.
        ``'dark striped'``).
    """
    words = re.findall(r'[a-z]+', caption.lower())
    mentions: List[Mention] = []
    for i, word in enumerate(words):
        if word not in SHAPE_CLASSES:
            continue
        colour = words[i - 1] if i >= 1 and words[i - 1] in COLOURS else None
        k = i - 1 if colour else i
        size = words[k - 1] if k >= 1 and words[k - 1] in SIZE_CLASSES \
            else None
        mentions.append((size, colour, word))
    count = None
    match = re.search(r'\b(' + '|'.join(COUNT_WORDS) + r') shapes?\b',
                      caption)
    if match:
        count = COUNT_WORDS.index(match.group(1))
    background = None
    match = re.search(r'(dark|light) (gradient|striped|mottled) background',
                      caption)
    if match:
        background = f'{match.group(1)} {match.group(2)}'
    return dict(mentions=mentions, count=count, background=background)


def matches(facts: dict, objects: Sequence[dict],
            background: Optional[str]) -> bool:
    """Whether an image (its objects with ``shape``, ``colour``, ``size``
    and its background phrase) has the content of ``facts``."""
    if facts['count'] is not None and facts['count'] != len(objects):
        return False
    if facts['background'] is not None and background is not None and \
            facts['background'] != background:
        return False
    used = set()
    for size, colour, shape in facts['mentions']:
        found = [
            k for k, obj in enumerate(objects)
            if k not in used and obj['shape'] == shape and (
                colour is None or obj['colour'] == colour) and (
                    size is None or obj['size'] == size)
        ]
        if not found:
            return False
        used.add(found[0])
    return True


def identifiability(data_root: str, split: str = 'val') -> dict:
    """Match every caption of ``split`` against every image of it.

    Args:
        data_root (str): Demo world directory (needs
            ``annotations/instances_<split>.json`` and
            ``annotations/captions_<split>.json``).
        split (str): ``'train'`` or ``'val'``.

    Returns:
        dict: ``num_images``, ``num_captions``, ``unique_share`` (captions
        matching exactly one image), ``r1_ceiling`` (mean of 1/m),
        ``mean_matches`` and ``by_template`` (the same per caption position
        within its image, i.e. per caption template).
    """
    ann_dir = osp.join(data_root, 'annotations')
    with open(osp.join(ann_dir, f'instances_{split}.json')) as f:
        instances = json.load(f)
    with open(osp.join(ann_dir, f'captions_{split}.json')) as f:
        captions = json.load(f)
    names = {c['id']: c['name'] for c in instances['categories']}
    objects: Dict[int, List[dict]] = defaultdict(list)
    for ann in instances['annotations']:
        objects[ann['image_id']].append(
            dict(shape=names[ann['category_id']], colour=ann['colour'],
                 size=ann['size']))
    texts: Dict[int, List[str]] = defaultdict(list)
    for ann in captions['annotations']:
        texts[ann['image_id']].append(ann['caption'])
    image_ids = [img['id'] for img in captions['images']]
    backgrounds = {}
    for image_id in image_ids:
        found = {caption_facts(t)['background'] for t in texts[image_id]}
        found.discard(None)
        backgrounds[image_id] = found.pop() if len(found) == 1 else None

    per_caption = []
    for image_id in image_ids:
        for position, text in enumerate(texts[image_id]):
            facts = caption_facts(text)
            hits = [j for j in image_ids
                    if matches(facts, objects[j], backgrounds[j])]
            if image_id not in hits:
                raise ValueError(f'caption {text!r} does not match its own '
                                 f'image {image_id}: parser out of date')
            per_caption.append((position, len(hits)))

    def summary(counts: List[int]) -> dict:
        return dict(num_captions=len(counts),
                    unique_share=sum(m == 1 for m in counts) / len(counts),
                    r1_ceiling=sum(1 / m for m in counts) / len(counts),
                    mean_matches=sum(counts) / len(counts))

    by_template = defaultdict(list)
    for position, m in per_caption:
        by_template[position].append(m)
    report = dict(split=split, num_images=len(image_ids),
                  **summary([m for _, m in per_caption]))
    report['by_template'] = {
        str(k): summary(v) for k, v in sorted(by_template.items())}
    return report


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='demo world directory')
    parser.add_argument('--split', default='val', choices=('train', 'val'))
    parser.add_argument('--out', help='write the report here (json)')
    add_record_option(parser)
    args = parser.parse_args(argv)
    session = tool_session(__file__, argv)
    report = identifiability(args.data_root, args.split)
    print(f"{report['split']}: {report['num_images']} images, "
          f"{report['num_captions']} captions; matching exactly one image: "
          f"{100 * report['unique_share']:.1f} %, t2i R@1 ceiling "
          f"{100 * report['r1_ceiling']:.1f} %, mean images matched "
          f"{report['mean_matches']:.2f}")
    for position, values in report['by_template'].items():
        print(f'  caption {position}: unique '
              f'{100 * values["unique_share"]:.1f} %, ceiling '
              f'{100 * values["r1_ceiling"]:.1f} %')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=2)
    if args.record:
        save_tool_record(args.record, session, report=report)
    return report


if __name__ == '__main__':
    sys.exit(main() and 0)
