"""CUHK-PEDES layout: ``pedes/imgs/<pid:05d>/<k:02d>.png`` and
``pedes/reid_raw.json``.

``num_identities`` identities (see :mod:`..identities`), ids from 1, split
60/20/20 into train/val/test by id; each has
``images_per_identity`` views with two captions each.
"""
from pathlib import Path
from typing import Tuple

from ..identities import render_identity, sample_identity_attributes
from ..language import identity_captions, tokens
from ..seeding import stream_rng
from ..storage import dump_json, save_png


def write_pedes(root: Path, seed: int, num_identities: int,
                images_per_identity: Tuple[int, int],
                pedes_size: Tuple[int, int]) -> int:
    """Write the identities.

    Args:
        root (Path): Directory the world is written to.
        seed (int): Seed of the world.
        num_identities (int): Number of identities.
        images_per_identity (tuple[int, int]): Min and max views per id.
        pedes_size (tuple[int, int]): (height, width) of the views.

    Returns:
        int: Number of images written.
    """
    height, width = pedes_size
    identities = sample_identity_attributes(seed, num_identities)
    n_train = int(round(0.6 * num_identities))
    n_val = int(round(0.2 * num_identities))
    records = []
    for pid, attrs in enumerate(identities, start=1):
        if pid <= n_train:
            split = 'train'
        elif pid <= n_train + n_val:
            split = 'val'
        else:
            split = 'test'
        count_rng = stream_rng(seed, 'pedes', pid, 0)
        lo, hi = images_per_identity
        for k in range(int(count_rng.integers(lo, hi + 1))):
            rng = stream_rng(seed, 'pedes', pid, k + 1)
            image, view = render_identity(attrs, rng, height, width)
            file_path = f'{pid:05d}/{k:02d}.png'
            save_png(image, root / 'pedes' / 'imgs' / file_path)
            captions = identity_captions(attrs, view, rng)
            records.append(dict(split=split, captions=captions,
                                file_path=file_path,
                                processed_tokens=[tokens(c)
                                                  for c in captions],
                                id=pid))
    dump_json(records, root / 'pedes' / 'reid_raw.json')
    return len(records)
