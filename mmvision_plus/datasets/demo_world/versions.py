"""Format versions of the demo world: the one place to bump them.

Every part :func:`~.generation.generate_demo_world` can write has a format
version. Output is a function of the generation arguments and these
versions: equal arguments under equal versions give byte-identical files
(``tests/test_datasets/test_demo_world.py`` pins the digests).

A change that alters the bytes of a part (richer captions, new identity
attributes, other videos, ...) raises that part's entry in
:data:`PART_VERSIONS` to ``FORMAT_VERSION + 1``, which raises
:data:`FORMAT_VERSION`, the version of the world as a whole, with it. The
``DONE`` marker records :data:`FORMAT_VERSION` and
:func:`~.generation.ensure_demo_world` regenerates a world written under
another one. A change shared by several parts (scene rendering feeds all
scene-based parts) raises each of them. Update the pinned digests in the
same commit.

History:
    4: the format when the generator became a package (every part).
"""
from typing import Dict

#: Format version of each part, in the order the parts are generated.
PART_VERSIONS: Dict[str, int] = {
    'detection': 4,
    'depth': 4,
    'captions': 4,
    'refcoco': 4,
    'pedes': 4,
    'videos': 4,
    'crops': 4,
}
#: Parts that :func:`~.generation.generate_demo_world` can write (``only``).
COMPONENTS = tuple(PART_VERSIONS)
#: Version of the world as a whole (recorded in the ``DONE`` marker).
FORMAT_VERSION = max(PART_VERSIONS.values())
#: ``generator`` entry of the ``DONE`` marker.
GENERATOR = 'mmvision_plus.datasets.demo_world'
