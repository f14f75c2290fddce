"""Constant-caption baseline of captioning on a Karpathy-style split.

Predicts the most common caption of the training file for every image of
the evaluation file and scores it with BLEU-1..4 and CIDEr-D
(:func:`~mmvision_plus.evaluation.functional.caption_scores`, the scorer of
``CaptionBleuCider``): the number a captioner must clearly beat.

    python tools/analysis_tools/caption_baseline.py \
        data/demo_world/annotations/retrieval_train.json \
        data/demo_world/annotations/retrieval_val.json
"""
import argparse
import json
from collections import Counter
from typing import Optional, Sequence

from mmvision_plus.evaluation.functional import caption_scores
from mmvision_plus.utils.results_record import (add_record_option,
                                                 save_tool_record,
                                                 tool_session)


def _captions(record: dict) -> list:
    captions = record['caption']
    return [captions] if isinstance(captions, str) else list(captions)


def constant_caption_baseline(train_file: str, eval_file: str) -> dict:
    """``caption`` (the most common training caption; ties: the first seen)
    and its scores on ``eval_file``'s images (references merged per image
    path)."""
    with open(train_file) as f:
        counts = Counter(c for r in json.load(f) for c in _captions(r))
    caption = counts.most_common(1)[0][0]
    with open(eval_file) as f:
        references = {}
        for record in json.load(f):
            references.setdefault(record['image'],
                                  []).extend(_captions(record))
    scores = caption_scores({k: caption for k in references}, references)
    return dict(caption=caption, count=counts[caption],
                num_images=len(references), **scores)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('train_file')
    parser.add_argument('eval_file')
    add_record_option(parser)
    args = parser.parse_args(argv)
    session = tool_session(__file__, argv)
    result = constant_caption_baseline(args.train_file, args.eval_file)
    print(json.dumps(result, indent=2))
    if args.record:
        save_tool_record(args.record, session, baseline=result)
    return result


if __name__ == '__main__':
    main()
