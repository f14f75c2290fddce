"""COCO loading that fails early, naming the file, record and field.

pycocotools and mmdet trust the annotation file: a malformed record
surfaces much later as a bare ``KeyError: 'image_id'`` or a shape error
deep in a transform. :func:`load_coco_json` checks the file first and
raises :class:`CocoFormatError` with messages like::

    data/coco/annotations/instances_val.json: annotations[7] (id=12):
    field 'bbox' must be 4 finite numbers [x, y, w, h] with w, h >= 0,
    got [10, 20, 30]

:class:`StrictCocoDataset` is mmdet's ``CocoDataset`` reading through it,
registered under its own name only: ``type='StrictCocoDataset'`` gives the
checks, ``type='CocoDataset'`` is mmdet's class in every scope.
"""
import json
import math
from numbers import Real
from typing import Any, Dict, Optional

from mmdet.datasets import CocoDataset
from mmdet.datasets.api_wrappers import COCO

from mmvision_plus.registry import DATASETS

REQUIRED_KEYS = ('images', 'annotations', 'categories')


class CocoFormatError(ValueError):
    """A COCO annotation file that does not follow the format."""


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite(value: Any) -> bool:
    return (isinstance(value, Real) and not isinstance(value, bool)
            and math.isfinite(value))


def _check_polygons(seg: list) -> Optional[str]:
    """Why a polygon list is malformed, or None."""
    for k, poly in enumerate(seg):
        if not isinstance(poly, list):
            return f'polygon {k} must be a list of numbers'
        if len(poly) < 6 or len(poly) % 2:
            return (f'polygon {k} must hold an even number (>= 6) of '
                    f'coordinates, got {len(poly)}')
        if not all(map(_is_finite, poly)):
            return f'polygon {k} holds a non-finite or non-numeric value'
    return None


def _check_rle(seg: dict, image: dict) -> Optional[str]:
    """Why an RLE dict is malformed, or None."""
    size, counts = seg.get('size'), seg.get('counts')
    if (not isinstance(size, list) or len(size) != 2
            or not all(map(_is_int, size))):
        return "RLE needs 'size' = [height, width]"
    if size != [image['height'], image['width']]:
        return (f"RLE size {size} differs from the image size "
                f"[{image['height']}, {image['width']}]")
    if isinstance(counts, str):
        return None
    if not isinstance(counts, list) or not all(
            _is_int(c) and c >= 0 for c in counts):
        return ("RLE 'counts' must be a string or a list of non-negative "
                'integers')
    if sum(counts) != size[0] * size[1]:
        return (f'uncompressed RLE counts sum to {sum(counts)}, expected '
                f'height * width = {size[0] * size[1]}')
    return None


def _index(records: Any, section: str, source: str) -> Dict[int, dict]:
    """Check ``images`` / ``categories`` records and index them by id."""
    if not isinstance(records, list):
        raise CocoFormatError(f"{source}: top-level '{section}' must be a "
                              f'list, got {type(records).__name__}')
    fields = {'images': ('id', 'file_name', 'width', 'height'),
              'categories': ('id', 'name')}[section]
    index: Dict[int, dict] = {}
    for i, rec in enumerate(records):
        where = f'{source}: {section}[{i}]'
        if not isinstance(rec, dict):
            raise CocoFormatError(f'{where}: must be an object, got '
                                  f'{_short(rec)}')
        if 'id' in rec:
            where += f' (id={_short(rec["id"])})'
        for field in fields:
            if field not in rec:
                raise CocoFormatError(f"{where}: missing field '{field}'")
        if not _is_int(rec['id']):
            raise CocoFormatError(f"{where}: field 'id' must be an integer")
        if rec['id'] in index:
            raise CocoFormatError(f"{where}: duplicate id {rec['id']}")
        name_field = 'file_name' if section == 'images' else 'name'
        if not isinstance(rec[name_field], str) or not rec[name_field]:
            raise CocoFormatError(f"{where}: field '{name_field}' must be a "
                                  'non-empty string, got '
                                  f'{_short(rec[name_field])}')
        if section == 'images':
            for field in ('width', 'height'):
                if not _is_int(rec[field]) or rec[field] <= 0:
                    raise CocoFormatError(
                        f"{where}: field '{field}' must be a positive "
                        f'integer, got {_short(rec[field])}')
        index[rec['id']] = rec
    return index


def _check_annotation(i: int, ann: Any, images: Dict[int, dict],
                      categories: Dict[int, dict], seen: set,
                      source: str) -> None:
    """Check one record of ``annotations``."""
    where = f'{source}: annotations[{i}]'
    if not isinstance(ann, dict):
        raise CocoFormatError(f'{where}: must be an object, got '
                              f'{_short(ann)}')
    if 'id' in ann:
        where += f' (id={_short(ann["id"])})'

    def fail(field: str, message: str) -> CocoFormatError:
        return CocoFormatError(f"{where}: field '{field}' {message}")

    for field in ('id', 'image_id', 'category_id', 'bbox', 'area'):
        if field not in ann:
            raise fail(field, 'is missing')
    if not _is_int(ann['id']):
        raise fail('id', f'must be an integer, got {_short(ann["id"])}')
    if ann['id'] in seen:
        raise fail('id', f'duplicates an earlier annotation id {ann["id"]}')
    seen.add(ann['id'])
    if ann['image_id'] not in images:
        raise fail('image_id', f'refers to image {_short(ann["image_id"])}, '
                   "which is not in 'images'")
    if ann['category_id'] not in categories:
        raise fail('category_id', 'refers to category '
                   f'{_short(ann["category_id"])}, which is not in '
                   "'categories'")
    bbox = ann['bbox']
    if (not isinstance(bbox, list) or len(bbox) != 4
            or not all(map(_is_finite, bbox)) or bbox[2] < 0 or bbox[3] < 0):
        raise fail('bbox', 'must be 4 finite numbers [x, y, w, h] with '
                   f'w, h >= 0, got {_short(bbox)}')
    if not _is_finite(ann['area']) or ann['area'] < 0:
        raise fail('area', 'must be a finite number >= 0, got '
                   f'{_short(ann["area"])}')
    if ann.get('iscrowd', 0) not in (0, 1) or isinstance(
            ann.get('iscrowd'), bool):
        raise fail('iscrowd', f'must be 0 or 1, got {_short(ann["iscrowd"])}')
    if 'segmentation' in ann:
        seg = ann['segmentation']
        if isinstance(seg, list):
            problem = _check_polygons(seg)
        elif isinstance(seg, dict):
            problem = _check_rle(seg, images[ann['image_id']])
        else:
            problem = ('must be a list of polygons or an RLE dict, got '
                       f'{type(seg).__name__}')
        if problem:
            raise fail('segmentation', problem)


def validate_coco_dict(data: Any, source: str) -> None:
    """Check a loaded COCO instances dict.

    Checks the top-level keys; every image (``id``, ``file_name``, positive
    ``width`` / ``height``, unique ids); every category (``id``, ``name``,
    unique ids); every annotation (unique integer ``id``, ``image_id`` and
    ``category_id`` that exist, ``bbox`` of 4 finite numbers with
    ``w, h >= 0``, finite ``area >= 0``, ``iscrowd`` in {0, 1}, and a
    ``segmentation`` that is a list of polygons of >= 3 finite points or an
    RLE dict matching the image size).

    Args:
        data (Any): The parsed JSON.
        source (str): File name used in error messages.

    Raises:
        CocoFormatError: Naming ``source``, the record and the field.
    """
    if not isinstance(data, dict):
        raise CocoFormatError(
            f'{source}: top level must be a JSON object with keys '
            f'{list(REQUIRED_KEYS)}, got {type(data).__name__}')
    for key in REQUIRED_KEYS:
        if key not in data:
            raise CocoFormatError(f"{source}: missing top-level key '{key}' "
                                  f'(a COCO file has {list(REQUIRED_KEYS)})')
    images = _index(data['images'], 'images', source)
    categories = _index(data['categories'], 'categories', source)
    if not isinstance(data['annotations'], list):
        kind = type(data['annotations']).__name__
        raise CocoFormatError(f"{source}: top-level 'annotations' must be a "
                              f'list, got {kind}')
    seen: set = set()
    for i, ann in enumerate(data['annotations']):
        _check_annotation(i, ann, images, categories, seen, source)


def load_coco_json(path: str) -> dict:
    """Read and validate a COCO instances file.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        CocoFormatError: If it is not valid JSON or not valid COCO
            (see :func:`validate_coco_dict`).
    """
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f'COCO annotation file not found: {path}')
    except json.JSONDecodeError as e:
        raise CocoFormatError(f'{path}: invalid JSON at line {e.lineno} '
                              f'column {e.colno}: {e.msg}') from e
    except UnicodeDecodeError as e:
        raise CocoFormatError(f'{path}: not a UTF-8 text file ({e})') from e
    validate_coco_dict(data, path)
    return data


class ValidatedCOCO(COCO):
    """mmdet's COCO API reading through :func:`load_coco_json`."""

    def __init__(self, annotation_file: Optional[str] = None) -> None:
        super().__init__()
        if annotation_file is not None:
            self.dataset = load_coco_json(annotation_file)
            self.createIndex()
            self.img_ann_map = self.imgToAnns
            self.cat_img_map = self.catToImgs


@DATASETS.register_module()
class StrictCocoDataset(CocoDataset):
    """mmdet ``CocoDataset`` that validates its annotation file.

    Identical to :class:`mmdet.datasets.CocoDataset` (same arguments and
    samples) except that the annotation file is checked by
    :func:`validate_coco_dict` when loaded, so a malformed file raises
    :class:`CocoFormatError` naming the file, record and field instead of
    failing later. Missing or corrupt images are reported by
    :class:`~mmvision_plus.datasets.transforms.StrictLoadImageFromFile`.
    """
    COCOAPI = ValidatedCOCO
