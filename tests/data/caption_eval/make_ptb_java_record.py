"""Record pycocoevalcap's Java PTB tokenisation and scores for a caption set.

Needs a Java runtime (run once, on a machine that has one):

    python tests/data/caption_eval/make_ptb_java_record.py DEMO_WORLD_ROOT

writes ``ptb_java_record.json`` next to this file: every caption with its
Java tokens, and BLEU-1..4 / CIDEr-D of a prediction set scored with the
Java tokenizer. ``test_caption_scores.py`` checks the Python tokenizer and
scores against it.
"""
import json
import os.path as osp
import sys

from mmvision_plus.evaluation.functional.caption_scores import (
    caption_scores, tokenize_captions)

COCO_STYLE = [
    'A man riding a wave on top of a surfboard.',
    "Two dogs' toys are on the floor", "The cat's bowl isn't full.",
    'A black-and-white photo of a 1950s car.',
    'There are 3.5 pizzas, and 1,000 people!',
    '"Stop" sign at the corner; a car waits...',
    'A woman (in red) holds an umbrella.',
    "Mr. Smith can't find his dog -- it ran away.",
    "They're going to the U.S. tomorrow",
    "A kid who'd like some ice-cream at 5 p.m.",
    "I cannot believe it's not butter", 'A plate with rice, beans & salad.',
    'A man on a skateboard doing a trick?',
    'Some people standing around a table with food on it',
    "A bus that's parked next to a building.",
    'A giraffe standing in the grass near a tree .',
    'a close up of a sandwich on a plate',
    "An old-fashioned clock tower in the city's centre.",
    'The dogs are playing w/ a frisbee',
    "A sign reads 'no parking' near the curb.",
    'Pizza - with cheese - sits on a tray', 'Two men are playing Wii',
    'A bowl of fruit: apples, oranges and bananas.',
    "He won't eat the broccoli.", 'It is 10:30 on the clock.',
    'A teddy bear sitting on a bed next to a pillow',
    "a person's hand holding a smartphone",
    "We'll see the boats at the dock.",
    'A red double-decker bus drives down the street',
    'Children play soccer in the park;  parents watch.',
    'A [blurry] picture of {two} cats', 'The 2nd floor has 12 windows.',
    "It's a dog's life, isn't it?", 'A baseball player swings at a pitch',
    'Vegetables, fruit, etc. on a counter', 'Dr. Who stands by the TARDIS.',
]


def main(demo_world: str) -> None:
    with open(osp.join(demo_world, 'annotations', 'retrieval_val.json')) as f:
        records = json.load(f)
    demo = [c for r in records for c in r['caption']]
    captions = demo + COCO_STYLE
    java = tokenize_captions({str(i): [c] for i, c in enumerate(captions)},
                             'java')
    # predictions: each image's first caption against the other four, and
    # the COCO-style sentences against shifted neighbours
    predictions, references = {}, {}
    for i, record in enumerate(records):
        predictions[f'demo{i}'] = record['caption'][0]
        references[f'demo{i}'] = record['caption'][1:]
    n = len(COCO_STYLE)
    for i, caption in enumerate(COCO_STYLE):
        predictions[f'coco{i}'] = caption
        references[f'coco{i}'] = [COCO_STYLE[(i + k) % n] for k in (0, 1, 2)]
    record = dict(
        captions=captions,
        java_tokens=[java[str(i)][0] for i in range(len(captions))],
        predictions=predictions, references=references,
        java_scores=caption_scores(predictions, references, 'java'))
    out = osp.join(osp.dirname(osp.abspath(__file__)),
                   'ptb_java_record.json')
    with open(out, 'w') as f:
        json.dump(record, f, indent=1)
    print(f'wrote {out}: {len(captions)} captions, scores '
          f'{record["java_scores"]}')


if __name__ == '__main__':
    main(sys.argv[1])
