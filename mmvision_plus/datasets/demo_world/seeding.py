"""Random streams of the demo world.

Every image and every text is drawn from its own ``numpy.random.Generator``
seeded by ``(seed, stream code, *index)``, so an item does not depend on
which other items or parts are generated. A new kind of content gets a new
stream (a new code) instead of drawing from an existing one, which would
change every item after it.
"""
import numpy as np

_STREAM_CODES = {'scene': 1, 'scene_text': 2, 'pedes': 3, 'identities': 4,
                 'video': 5}
#: First index of the scene streams (``scene``, ``scene_text``) per split.
SCENE_SPLIT_CODES = {'train': 0, 'val': 1}


def stream_rng(seed: int, stream: str, *index: int) -> np.random.Generator:
    """The generator of one item.

    Args:
        seed (int): Seed of the world.
        stream (str): Kind of content, a key of ``_STREAM_CODES``.
        *index (int): Position of the item in its stream (split code,
            image index, ...).

    Returns:
        np.random.Generator: A generator seeded by
        ``[seed, code of stream, *index]``.
    """
    return np.random.default_rng([seed, _STREAM_CODES[stream], *index])
