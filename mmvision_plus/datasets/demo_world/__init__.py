"""The demo world: a deterministic synthetic dataset in real public formats.

No public dataset can be downloaded on a fresh machine, so the package
renders a small world of coloured shapes and writes every annotation the
algorithms of mmvision_plus need, each in the format the real dataset ships
(and readable by the real loaders)::

    <out_dir>/
      images/{train,val}/<image_id:06d>.png     scenes (img_size x img_size)
      annotations/instances_{train,val}.json   COCO instances
      annotations/captions_{train,val}.json    COCO captions
      annotations/retrieval_{train,val}.json   Karpathy style retrieval list
      depth/{train,val}/<image_id:06d>.png     uint16 depth, metres x 1000
      refcoco/instances.json, refcoco/refs(unc).p   RefCOCO (mmdet layout)
      pedes/imgs/<pid:05d>/<k:02d>.png, pedes/reid_raw.json   CUHK-PEDES
      videos/JPEGImages/<video>/<frame:05d>.jpg
      videos/annotations/{train,valid}.json    YouTube-VIS 2019 (raw)
      videos/annotations/youtube_vis_2019_{train,valid}.json   CocoVID
      crops/{train,val}/<class_name>/*.png     ImageNet-style object crops
      DONE                                     completion marker (json)

Modules, one concern each:

* :mod:`.geometry`: shapes, polygons, supersampled masks, COCO polygons
  and RLE;
* :mod:`.scenes`: object sampling, layout under occlusion, backgrounds,
  rendering and depth; :mod:`.videos`: moving clips; :mod:`.identities`:
  person-search identities (attributes and their views);
* :mod:`.language`: captions, referring expressions, identity
  descriptions;
* :mod:`.writers`: one module per format (COCO instances, depth, captions
  and retrieval, RefCOCO, crops, CUHK-PEDES, YouTube-VIS);
* :mod:`.versions`: the format version of every part, the one place to
  raise when an output changes; :mod:`.seeding`: the random streams;
  :mod:`.storage`: atomic writing;
* :mod:`.generation`: :func:`generate_demo_world` and
  :func:`ensure_demo_world`.

Determinism: every image and every text is drawn from its own
``numpy.random.Generator`` (:mod:`.seeding`), so the same arguments and
format version give byte-identical files, also when only some parts are
generated (``only``). Generation writes into a hidden sibling directory and
renames it into place after writing the ``DONE`` marker, so an interrupted
run never leaves a directory that looks complete.

The package needs only numpy, OpenCV and Pillow; ``mmvision_plus.datasets``
imports it on first use.
"""
from .generation import ensure_demo_world, generate_demo_world
from .geometry import SHAPE_CLASSES
from .identities import PATTERNS
from .scenes import COLOURS, SIZE_CLASSES
from .storage import MARKER, read_marker
from .versions import COMPONENTS, FORMAT_VERSION, PART_VERSIONS

__all__ = [
    'COLOURS', 'COMPONENTS', 'FORMAT_VERSION', 'MARKER', 'PART_VERSIONS',
    'PATTERNS', 'SHAPE_CLASSES', 'SIZE_CLASSES', 'ensure_demo_world',
    'generate_demo_world', 'read_marker'
]
