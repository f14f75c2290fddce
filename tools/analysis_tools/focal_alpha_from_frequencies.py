"""Per-class focal-loss alpha from the class frequencies of a COCO file.

``alpha_c`` is proportional to the inverse frequency of class ``c`` (number
of annotated instances), scaled so that the mean over classes equals
``--mean-alpha`` (0.25, the paper's value, by default) and clipped to
``[--min-alpha, --max-alpha]``::

    alpha_c = mean_alpha * K * (1 / n_c) / sum_k (1 / n_k)

so a class with average frequency keeps about the usual 0.25 and rare classes
get more weight on their positives. Classes are listed in category-id order
(mmdet's label order for a COCO dataset whose ``metainfo.classes`` follow
the category ids). Prints the counts and a config line, e.g.::

    python tools/analysis_tools/focal_alpha_from_frequencies.py \
        data/demo_world/annotations/instances_train.json
"""
import argparse
import json
import sys
from collections import Counter
from typing import Dict, List, Tuple


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_file', help='COCO instances json')
    parser.add_argument('--mean-alpha', type=float, default=0.25)
    parser.add_argument('--min-alpha', type=float, default=0.05)
    parser.add_argument('--max-alpha', type=float, default=0.95)
    parser.add_argument('--digits', type=int, default=3)
    return parser.parse_args(argv)


def class_counts(coco: Dict) -> Tuple[List[str], List[int]]:
    """Names and instance counts of the categories, in category-id order.

    Args:
        coco (dict): Loaded COCO instances file.

    Returns:
        tuple[list[str], list[int]]: Names and counts.
    """
    for key in ('categories', 'annotations'):
        if key not in coco:
            raise ValueError(f'not a COCO instances file: no "{key}" key')
    categories = sorted(coco['categories'], key=lambda c: c['id'])
    counts = Counter(ann['category_id'] for ann in coco['annotations'])
    unknown = set(counts) - {c['id'] for c in categories}
    if unknown:
        raise ValueError(f'annotations use unknown category ids {unknown}')
    return [c['name'] for c in categories], [counts[c['id']]
                                             for c in categories]


def inverse_frequency_alpha(counts: List[int],
                            mean_alpha: float = 0.25,
                            min_alpha: float = 0.05,
                            max_alpha: float = 0.95) -> List[float]:
    """Alpha per class, see the module docstring.

    Args:
        counts (list[int]): Instances per class, all > 0.
        mean_alpha (float): Mean of the alphas before clipping.
        min_alpha (float): Lower clip.
        max_alpha (float): Upper clip.

    Returns:
        list[float]: One alpha per class.
    """
    if not counts or min(counts) <= 0:
        raise ValueError('every class needs at least one instance, got '
                         f'counts {counts}')
    inverse = [1.0 / n for n in counts]
    scale = mean_alpha * len(counts) / sum(inverse)
    return [min(max(scale * v, min_alpha), max_alpha) for v in inverse]


def main(argv=None) -> int:
    args = parse_args(argv)
    with open(args.ann_file) as f:
        coco = json.load(f)
    names, counts = class_counts(coco)
    alpha = inverse_frequency_alpha(counts, args.mean_alpha, args.min_alpha,
                                    args.max_alpha)
    print('| class | instances | alpha |')
    print('|---|---:|---:|')
    for name, count, a in zip(names, counts, alpha):
        print(f'| {name} | {count} | {a:.{args.digits}f} |')
    values = ', '.join(f'{a:.{args.digits}f}' for a in alpha)
    print(f'\nalpha=[{values}]')
    return 0


if __name__ == '__main__':
    sys.exit(main())
