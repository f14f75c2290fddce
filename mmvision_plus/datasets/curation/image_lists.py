"""Image lists for curation: an image folder, a list file or a COCO json.

Every source becomes an ordered list of absolute image paths (the order
fixes which image of a duplicate group is kept, so it must be stable):

* a folder: every image file below it (recursively), sorted, found by
  mmpretrain's ``CustomDataset`` (``with_label=False``), so the recognised
  extensions are the ones mmpretrain uses;
* a ``.txt`` list: one path per line (blank lines and ``#`` comments
  skipped), relative paths taken from ``root`` (default: the list file's
  folder);
* a ``.json`` COCO file: its ``images[*].file_name``, relative to ``root``
  (default: the json's folder). Only the ``images`` section is read, so
  image-info files without annotations (COCO test-dev) work too; the strict
  :func:`~mmvision_plus.datasets.load_coco_json` would refuse those.
"""
import json
import os.path as osp
from typing import List, Optional

from mmengine.fileio import list_from_file
from mmengine.logging import MMLogger
from mmpretrain.datasets import CustomDataset


class ImageListError(ValueError):
    """An image source that cannot be turned into a list of images."""


def _from_folder(folder: str) -> List[str]:
    try:
        dataset = CustomDataset(data_prefix=folder, with_label=False,
                                serialize_data=False)
    except RuntimeError as e:  # mmpretrain: 'Found 0 files in ...'
        raise ImageListError(f'{folder}: no image files found ({e})') from e
    return [item['img_path'] for item in dataset.data_list]


def _from_list_file(path: str, root: str) -> List[str]:
    paths = []
    for line in list_from_file(path):
        line = line.strip()
        if line and not line.startswith('#'):
            paths.append(osp.join(root, line))
    return paths


def _from_coco(path: str, root: str) -> List[str]:
    try:
        with open(path) as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise ImageListError(f'{path}: invalid JSON at line {e.lineno} '
                             f'column {e.colno}: {e.msg}') from e
    images = data.get('images') if isinstance(data, dict) else None
    if not isinstance(images, list):
        raise ImageListError(f"{path}: not a COCO file (no top-level "
                             "'images' list)")
    paths = []
    for i, record in enumerate(images):
        name = record.get('file_name') if isinstance(record, dict) else None
        if not isinstance(name, str) or not name:
            raise ImageListError(f"{path}: images[{i}] has no 'file_name' "
                                 'string')
        paths.append(osp.join(root, name))
    return paths


def load_image_list(source: str, root: Optional[str] = None) -> List[str]:
    """Ordered, unique absolute image paths of a folder, list or COCO file.

    Args:
        source: An image folder, a ``.txt`` list file or a COCO ``.json``.
        root: Folder that relative paths of a list / COCO file start from
            (default: the file's own folder). Not allowed with a folder.

    Returns:
        list[str]: Absolute paths in source order; a path listed twice is
        kept once (first occurrence) and a warning gives the count.

    Raises:
        FileNotFoundError: ``source`` does not exist.
        ImageListError: Unknown file type, malformed list or COCO file, or
            no image in it.
    """
    if not osp.exists(source):
        raise FileNotFoundError(f'image source not found: {source}')
    if osp.isdir(source):
        if root is not None:
            raise ImageListError(f'{source}: a root folder only applies to '
                                 'list and COCO files, not to a folder')
        paths = _from_folder(source)
    else:
        root = osp.dirname(osp.abspath(source)) if root is None else root
        if source.endswith('.json'):
            paths = _from_coco(source, root)
        elif source.endswith('.txt'):
            paths = _from_list_file(source, root)
        else:
            raise ImageListError(f'{source}: expected an image folder, a '
                                 '.txt list of image paths or a COCO .json')
    unique = list(dict.fromkeys(osp.abspath(p) for p in paths))
    if not unique:
        raise ImageListError(f'{source}: lists no image')
    if len(unique) < len(paths):
        MMLogger.get_current_instance().warning(
            f'{source}: {len(paths) - len(unique)} repeated image path(s) '
            'kept once')
    return unique
