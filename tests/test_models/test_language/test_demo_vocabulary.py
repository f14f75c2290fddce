"""Every word of generated demo-world captions is in the closed vocabulary
the demo tokenizer uses."""
import json

from mmvision_plus.datasets.demo_world import generate_demo_world
from mmvision_plus.models.language import DemoWorldTokenizer


def test_demo_captions_have_no_unknown_words(tmp_path):
    world = generate_demo_world(tmp_path / 'w', seed=5, num_train=30,
                                num_val=10, img_size=64, only='captions')
    captions = [c for split in ('train', 'val') for r in json.loads(
        (world / 'annotations' / f'retrieval_{split}.json').read_text())
        for c in r['caption']]
    tokenizer = DemoWorldTokenizer()
    ids, _ = tokenizer(captions, 64)
    unk = tokenizer.hf.unk_token_id
    assert not bool((ids == unk).any()), [
        c for c, row in zip(captions, ids) if unk in row.tolist()][:3]
    # decoding gives the words back (a space may precede a colon)
    assert [t.replace(' :', ':') for t in tokenizer.decode(ids)] == [
        c.lower() for c in captions]
