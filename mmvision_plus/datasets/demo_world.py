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

Scenes
    2-5 objects of :data:`SHAPE_CLASSES` in :data:`COLOURS` on a textured
    background (gradient, stripes or smooth noise, plus sensor noise).
    A (shape, colour) pair occurs at most once per scene, so every object
    has a unique referring expression. Object sizes follow the COCO area
    classes (``small`` < 32^2 <= ``medium`` < 96^2 <= ``large``, scaled
    with ``img_size / 160``); at most one large object per scene. Every
    object lies at its own depth (1-5.75 m; the background is a plane 6-10 m
    away) and objects are painted far to near, so nearer objects occlude
    farther ones. Layouts keep every object at least 70 % visible, without
    holes, and at least ``max(4, 8 * img_size / 160)`` pixels wide and
    high.
    Rendering is 4x supersampled (anti-aliased edges).

Annotations follow COCO conventions: ``segmentation`` holds polygons of
the *visible* region (after occlusion), ``bbox`` is the tight box of that
visible region and ``area`` its pixel area. Extra per-object fields
``colour``, ``size`` (the sampled COCO size class), ``depth`` (metres) and
``visible_fraction`` are carried along; loaders ignore them.

Other parts
    * captions: ``captions_per_image`` captions per scene naming colour,
      size, shape, position and relations ("a large red circle at the top
      left, above a small blue square").
    * refcoco: every scene object gets 2-3 expressions unique within the
      image; train scenes form split ``train``, val scenes are divided into
      ``val``, ``testA`` and ``testB`` (2:1:1).
    * pedes: ``num_identities`` identities, each one shape with fixed
      shape, colour, pattern, pattern colour and size class, rendered in
      several poses, scales, positions and backgrounds at person-like
      aspect (``pedes_size`` = (height, width)) with two captions per image.
      Single attributes are shared by many identities; only their
      combination is unique. Identities are split 60/20/20 into
      train/val/test by id (ids from 1).
    * videos: ``num_videos`` train and ``num_val_videos`` valid clips of
      8-16 frames with 2-4 moving, rotating, occluding tracks, some of them
      entering late or leaving early. ``{train,valid}.json`` follow the raw
      YouTube-VIS 2019 layout (per-track uncompressed-RLE segmentations,
      ``None`` where absent; unlike the public release, ``valid`` carries
      its annotations); ``youtube_vis_2019_*.json`` hold the same in the
      CocoVID layout mmdet's converter produces, which mmdet's
      ``YouTubeVISDataset`` reads.
    * crops: every scene object that is >= 85 % visible and >= 10 px (at
      160 px) is cut out (square, 30 % context) and resized to
      ``crop_size``.

Determinism: every image and every text is drawn from its own
``numpy.random.Generator`` seeded by ``(seed, part, split, index)``, so the
same arguments give byte-identical files, also when only some parts are
generated (``only``). Generation writes into a hidden sibling directory and
renames it into place after writing the ``DONE`` marker, so an interrupted
run never leaves a directory that looks complete.
"""
import inspect
import json
import math
import os
import pickle
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import (Callable, Dict, Iterable, List, Optional, Sequence, Set,
                    Tuple, Union)

import cv2
import numpy as np
from PIL import Image, ImageDraw

#: Object categories (COCO category ids are 1-based in this order).
SHAPE_CLASSES = ('circle', 'square', 'triangle', 'star', 'hexagon',
                 'ellipse', 'cross', 'diamond')
#: Object colours (RGB).
COLOURS: Dict[str, Tuple[int, int, int]] = {
    'red': (215, 40, 40),
    'orange': (240, 135, 30),
    'yellow': (235, 210, 40),
    'green': (40, 160, 60),
    'blue': (40, 80, 215),
    'purple': (140, 60, 185),
    'white': (242, 242, 242),
    'black': (25, 25, 25),
}
#: Surface patterns of the person-search identities.
PATTERNS = ('plain', 'horizontal stripes', 'vertical stripes', 'dots',
            'two-tone', 'border')
#: Parts that :func:`generate_demo_world` can write (``only``).
COMPONENTS = ('detection', 'depth', 'captions', 'refcoco', 'pedes',
              'videos', 'crops')
SIZE_CLASSES = ('small', 'medium', 'large')
MARKER = 'DONE'
FORMAT_VERSION = 4

_SCENE_PARTS = frozenset(('detection', 'depth', 'captions', 'refcoco',
                          'crops'))
_SS = 4  # supersampling factor of the renderer
_REFERENCE_SIZE = 160.0  # image size the pixel ranges below are tuned for
# amodal object area ranges (px^2 at 160 px) per COCO size class
_AREA_RANGES = {
    'small': (160.0, 900.0),
    'medium': (1100.0, 6400.0),
    'large': (9800.0, 13000.0),
}
# allowed rotation (degrees, +-) per shape; shapes outside the range would
# turn into another class (a 45 degree square is a diamond)
_ROTATION = {
    'circle': 0.0, 'square': 12.0, 'triangle': 180.0, 'star': 180.0,
    'hexagon': 180.0, 'ellipse': 180.0, 'cross': 15.0, 'diamond': 12.0
}
_COUNT_WORDS = ('zero', 'one', 'two', 'three', 'four', 'five', 'six',
                'seven', 'eight')
_SPLIT_CODES = {'train': 0, 'val': 1}
_PART_CODES = {'scene': 1, 'scene_text': 2, 'pedes': 3, 'identities': 4,
               'video': 5}


# --------------------------------------------------------------------------
# geometry and rasterisation
# --------------------------------------------------------------------------
def _regular(n: int, radius: float = 1.0, start: float = -90.0,
             ry: Optional[float] = None) -> np.ndarray:
    """Vertices of a regular n-gon (or ellipse-sampled polygon).

    Returns:
        np.ndarray: (n, 2) vertices (x, y), y pointing down.
    """
    ang = np.deg2rad(start + 360.0 * np.arange(n) / n)
    return np.stack([radius * np.cos(ang),
                     (radius if ry is None else ry) * np.sin(ang)], axis=1)


def _unit_shape(shape: str) -> np.ndarray:
    """Polygon of a shape centred at the origin with extent about 1.

    Returns:
        np.ndarray: (N, 2) vertices.
    """
    if shape == 'circle':
        return _regular(48)
    if shape == 'ellipse':
        return _regular(48, 1.0, ry=0.5)
    if shape == 'square':
        return np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float64)
    if shape == 'triangle':
        return _regular(3)
    if shape == 'hexagon':
        return _regular(6)
    if shape == 'star':
        pts = _regular(10)
        pts[1::2] *= 0.5
        return pts
    if shape == 'cross':
        a = 0.34
        return np.array([[-a, -1], [a, -1], [a, -a], [1, -a], [1, a], [a, a],
                         [a, 1], [-a, 1], [-a, a], [-1, a], [-1, -a],
                         [-a, -a]], np.float64)
    if shape == 'diamond':
        return np.array([[0, -1], [0.6, 0], [0, 1], [-0.6, 0]], np.float64)
    raise ValueError(f'unknown shape {shape!r}; expected one of '
                     f'{SHAPE_CLASSES}')


def _poly_area(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) -
                           np.dot(y, np.roll(x, -1))))


_UNIT = {s: _unit_shape(s) for s in SHAPE_CLASSES}
_UNIT_AREA = {s: _poly_area(p) for s, p in _UNIT.items()}


def _rotate(pts: np.ndarray, angle: float) -> np.ndarray:
    a = math.radians(angle)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return pts @ rot.T


@dataclass
class _Mask:
    """A supersampled binary mask stored as a crop on whole-pixel bounds.

    ``data`` (h * ss, w * ss) covers image pixels ``[x0, x0 + w)`` x
    ``[y0, y0 + h)`` with ss x ss samples per pixel.
    """
    x0: int
    y0: int
    data: np.ndarray

    @property
    def region(self) -> Tuple[slice, slice]:
        """Slices of the crop in a supersampled full-image array."""
        h, w = self.data.shape
        return (slice(self.y0 * _SS, self.y0 * _SS + h),
                slice(self.x0 * _SS, self.x0 * _SS + w))

    @property
    def pixel_region(self) -> Tuple[slice, slice]:
        """Slices of the crop in a full-resolution image array."""
        h, w = self.data.shape
        return (slice(self.y0, self.y0 + h // _SS),
                slice(self.x0, self.x0 + w // _SS))

    def area(self) -> int:
        """Number of supersamples set."""
        return int(np.count_nonzero(self.data))


def _rasterize(poly: np.ndarray, height: int, width: int) -> _Mask:
    """Fill a polygon (image pixel coordinates) on the supersampled grid.

    Pixel ``x`` covers ``[x, x + 1)`` as in COCO; parts outside the image
    are cut off.
    """
    x0 = int(np.clip(math.floor(poly[:, 0].min()), 0, width - 1))
    y0 = int(np.clip(math.floor(poly[:, 1].min()), 0, height - 1))
    x1 = int(np.clip(math.ceil(poly[:, 0].max()) + 1, x0 + 1, width))
    y1 = int(np.clip(math.ceil(poly[:, 1].max()) + 1, y0 + 1, height))
    canvas = Image.new('L', ((x1 - x0) * _SS, (y1 - y0) * _SS), 0)
    pts = [(float(x - x0) * _SS - 0.5, float(y - y0) * _SS - 0.5)
           for x, y in poly]
    ImageDraw.Draw(canvas).polygon(pts, fill=1)
    return _Mask(x0, y0, np.asarray(canvas, dtype=bool))


def _overlaps(a: _Mask, b: _Mask) -> bool:
    """Whether two masks share a supersample."""
    ra, rb = a.region, b.region
    ys = slice(max(ra[0].start, rb[0].start), min(ra[0].stop, rb[0].stop))
    xs = slice(max(ra[1].start, rb[1].start), min(ra[1].stop, rb[1].stop))
    if ys.start >= ys.stop or xs.start >= xs.stop:
        return False
    crop_a = a.data[ys.start - ra[0].start:ys.stop - ra[0].start,
                    xs.start - ra[1].start:xs.stop - ra[1].start]
    crop_b = b.data[ys.start - rb[0].start:ys.stop - rb[0].start,
                    xs.start - rb[1].start:xs.stop - rb[1].start]
    return bool((crop_a & crop_b).any())


def _block_mean(arr: np.ndarray, ss: int = _SS) -> np.ndarray:
    """Average ss x ss blocks: (H*ss, W*ss, ...) -> (H, W, ...)."""
    h, w = arr.shape[0] // ss, arr.shape[1] // ss
    return arr.reshape(h, ss, w, ss, *arr.shape[2:]).mean(axis=(1, 3))


def _centre_samples(arr: np.ndarray, ss: int = _SS) -> np.ndarray:
    """One supersample per pixel (its centre): (H*ss, W*ss) -> (H, W)."""
    return arr[ss // 2::ss, ss // 2::ss]


def _mask_polygons(mask: _Mask) -> Tuple[List[List[float]], bool]:
    """COCO polygons of a supersampled mask.

    Returns:
        tuple: polygons (list of flat [x0, y0, x1, y1, ...] lists in image
        pixel coordinates) and whether the mask has a hole.
    """
    ss = _SS
    contours, hierarchy = cv2.findContours(
        mask.data.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return [], False
    has_hole = bool((hierarchy[0][:, 3] >= 0).any())
    polygons = []
    for contour, link in zip(contours, hierarchy[0]):
        if link[3] >= 0 or cv2.contourArea(contour) < ss * ss:
            continue
        contour = cv2.approxPolyDP(contour, 0.25 * ss, True).reshape(-1, 2)
        if len(contour) < 3:
            continue
        pts = np.round((contour + 0.5) / ss + [mask.x0, mask.y0], 2)
        polygons.append([float(v) for v in pts.ravel()])
    return polygons, has_hole


def _mask_bbox(mask: np.ndarray, scale: int = 1,
               origin: Tuple[int, int] = (0, 0)) -> List[float]:
    """Tight [x, y, w, h] box (pixels) of a non-empty mask.

    Args:
        mask (np.ndarray): Binary mask, ``scale`` samples per pixel.
        scale (int): Samples per pixel.
        origin (tuple[int, int]): Pixel (x, y) of the mask's first sample.
    """
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    x0, x1 = xs[0] / scale + origin[0], (xs[-1] + 1) / scale + origin[0]
    y0, y1 = ys[0] / scale + origin[1], (ys[-1] + 1) / scale + origin[1]
    return [round(float(x0), 2), round(float(y0), 2),
            round(float(x1 - x0), 2), round(float(y1 - y0), 2)]


def _rle_encode(mask: np.ndarray) -> dict:
    """Uncompressed COCO RLE of a binary mask (column-major runs)."""
    flat = mask.ravel(order='F').astype(np.int8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0] == 1:
        counts = [0] + counts
    return {'counts': [int(c) for c in counts],
            'size': [int(mask.shape[0]), int(mask.shape[1])]}


def _rng(seed: int, part: str, *index: int) -> np.random.Generator:
    return np.random.default_rng([seed, _PART_CODES[part], *index])


# --------------------------------------------------------------------------
# backgrounds and objects
# --------------------------------------------------------------------------
def _muted_colour(rng: np.random.Generator) -> np.ndarray:
    """A low-saturation RGB colour in [0, 255]."""
    hue = rng.uniform(0, 6)
    sat = rng.uniform(0.05, 0.3)
    val = rng.uniform(0.35, 0.78)
    c = val * (1 - sat * np.clip(
        np.abs(((hue + np.array([0.0, 4.0, 2.0])) % 6) - 3) - 1, 0, 1))
    return 255.0 * c


def _background(rng: np.random.Generator, height: int,
                width: int) -> Tuple[np.ndarray, str]:
    """Textured background.

    Returns:
        tuple: (height, width, 3) float RGB image and a phrase naming it
        ("dark striped", "light mottled", ...).
    """
    c0, c1 = _muted_colour(rng), _muted_colour(rng)
    kind = ('gradient', 'striped', 'mottled')[int(rng.integers(3))]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64) + 0.5
    theta = rng.uniform(0, np.pi)
    proj = xs * np.cos(theta) + ys * np.sin(theta)
    if kind == 'gradient':
        t = (proj - proj.min()) / max(proj.max() - proj.min(), 1e-6)
    elif kind == 'striped':
        period = rng.uniform(6, 24) * max(height, width) / _REFERENCE_SIZE
        t = 0.5 + 0.5 * np.sin(2 * np.pi * proj / period)
    else:
        cells = int(rng.integers(3, 8))
        grid = rng.uniform(0, 255, size=(cells, cells)).astype(np.uint8)
        t = np.asarray(Image.fromarray(grid).resize(
            (width, height), Image.BICUBIC), np.float64) / 255.0
    img = c0 + (c1 - c0) * t[..., None]
    tone = 'dark' if img.mean() < 128 else 'light'
    return img, f'{tone} {kind}'


@dataclass
class _Object:
    """One shape instance (geometry and appearance)."""
    shape: str
    colour: str
    size: str
    area: float
    angle: float
    depth: float
    brightness: float
    cx: float = 0.0
    cy: float = 0.0

    def polygon(self, scale: float = 1.0) -> np.ndarray:
        """Amodal outline in image pixel coordinates, (N, 2)."""
        side = scale * math.sqrt(self.area / _UNIT_AREA[self.shape])
        return _rotate(_UNIT[self.shape] * side, self.angle) + [self.cx,
                                                                 self.cy]

    def extent(self) -> Tuple[float, float]:
        """Half width and half height of the amodal box."""
        pts = self.polygon() - [self.cx, self.cy]
        return float(np.abs(pts[:, 0]).max()), float(np.abs(pts[:, 1]).max())


def _object_colour(obj: _Object, region: Tuple[slice, slice],
                   rng: np.random.Generator) -> np.ndarray:
    """Flat colour with a soft shading ramp over an image region.

    Returns:
        np.ndarray: (h, w, 3) float RGB of the pixels in ``region``.
    """
    base = np.array(COLOURS[obj.colour], np.float64) * obj.brightness
    ys, xs = np.mgrid[region[0], region[1]].astype(np.float64) + 0.5
    theta = rng.uniform(0, 2 * np.pi)
    ramp = ((xs - obj.cx) * np.cos(theta) + (ys - obj.cy) * np.sin(theta))
    ramp /= max(math.sqrt(obj.area), 1.0)
    shade = 1.0 + 0.08 * np.clip(ramp, -1, 1)
    return np.clip(base * shade[..., None], 0, 255)


def _paint_labels(masks: Sequence[_Mask], depths: Sequence[float],
                  height: int, width: int) -> np.ndarray:
    """Supersampled z-buffer: index of the nearest object, -1 = none."""
    labels = np.full((height * _SS, width * _SS), -1, np.int16)
    for i in sorted(range(len(masks)), key=lambda k: -depths[k]):
        labels[masks[i].region][masks[i].data] = i
    return labels


def _min_side(img_size: int) -> float:
    """Smallest visible box side (px) an object may have."""
    return max(4.0, 8.0 * img_size / _REFERENCE_SIZE)


def _sample_objects(rng: np.random.Generator, num: int, img_size: int,
                    max_area_scale: float = 1.0) -> List[_Object]:
    """Sample shape, colour, size, pose and depth of ``num`` objects.

    (shape, colour) pairs are distinct; at most one object is large; every
    amodal box is at least 1.2 x :func:`_min_side` wide and high.
    """
    scale2 = (img_size / _REFERENCE_SIZE)**2
    pairs = [(s, c) for s in SHAPE_CLASSES for c in COLOURS]
    chosen = rng.choice(len(pairs), size=num, replace=False)
    objects = []
    has_large = False
    for k in chosen:
        shape, colour = pairs[int(k)]
        size = SIZE_CLASSES[int(rng.choice(3, p=[0.3, 0.45, 0.25]))]
        if size == 'large' and (has_large or max_area_scale < 1.0):
            size = 'medium'
        for _ in range(10):
            lo, hi = _AREA_RANGES[size]
            area = math.exp(rng.uniform(math.log(lo), math.log(hi)))
            area *= scale2 * max_area_scale
            angle = rng.uniform(-1, 1) * _ROTATION[shape]
            obj = _Object(shape, colour, size, area, angle, 0.0,
                          rng.uniform(0.88, 1.08))
            half_w, half_h = obj.extent()
            shortest = 2 * min(half_w, half_h)
            if shortest < 1.2 * _min_side(img_size):
                obj.area *= (1.2 * _min_side(img_size) / shortest)**2
                half_w, half_h = obj.extent()
            if max(half_w, half_h) * 2 <= 0.92 * img_size:
                break
            size = 'medium'
        has_large |= size == 'large'
        # bigger objects tend to be nearer (a monocular depth cue)
        lo, hi = _AREA_RANGES['small'][0], _AREA_RANGES['large'][1]
        rel = (math.log(obj.area / scale2) - math.log(lo)) / (
            math.log(hi) - math.log(lo))
        obj.depth = float(np.clip(
            5.0 - 2.5 * rel + rng.uniform(-1.5, 1.5), 1.0, 5.5))
        objects.append(obj)
    # distinct depths (>= 5 cm apart) so that the z-order is unambiguous
    for i, obj in enumerate(sorted(objects, key=lambda o: o.depth)):
        obj.depth = round(obj.depth + 0.05 * i, 3)
    return objects


def _place(rng: np.random.Generator, obj: _Object, height: int,
           width: int) -> None:
    """Put the amodal box of ``obj`` uniformly inside the image."""
    half_w, half_h = obj.extent()
    obj.cx = rng.uniform(half_w + 0.5, max(width - half_w - 0.5,
                                           half_w + 0.5))
    obj.cy = rng.uniform(half_h + 0.5, max(height - half_h - 0.5,
                                           half_h + 0.5))


@dataclass
class _Scene:
    """A rendered scene with its per-object masks."""
    objects: List[_Object]
    amodal: List[_Mask]  # amodal (unoccluded) masks
    labels: np.ndarray  # supersampled z-buffer
    image: np.ndarray  # (H, W, 3) uint8
    depth: np.ndarray  # (H, W) uint16, mm
    background: str

    def visible(self, i: int) -> _Mask:
        """Visible (after occlusion) mask of object ``i``."""
        amodal = self.amodal[i]
        return _Mask(amodal.x0, amodal.y0, self.labels[amodal.region] == i)


class _Layout:
    """A z-buffer grown object by object under occlusion constraints.

    Every object keeps at least ``min_visible`` of its area visible, a
    visible box of at least ``min_side`` pixels each way and no holes
    (COCO polygons cannot represent them).
    """

    def __init__(self, height: int, width: int, min_side: float,
                 min_visible: float) -> None:
        self.labels = np.full((height * _SS, width * _SS), -1, np.int16)
        self.min_side, self.min_visible = min_side, min_visible
        self.masks: List[_Mask] = []
        self.depths: List[float] = []
        self.visible_area: List[int] = []

    def _shape_ok(self, j: int) -> bool:
        mask = self.masks[j]
        visible = self.labels[mask.region] == j
        _, _, w, h = _mask_bbox(visible, _SS)
        if min(w, h) < self.min_side:
            return False
        if self.visible_area[j] == mask.area():
            return True
        return not _mask_polygons(_Mask(mask.x0, mask.y0, visible))[1]

    def try_add(self, mask: _Mask, depth: float) -> bool:
        """Add an object if the layout stays valid; report whether it did."""
        labels = self.labels[mask.region]  # a view
        in_front = labels < 0
        for j, other in enumerate(self.depths):
            if other > depth:
                in_front |= labels == j
        visible = mask.data & in_front
        amodal = mask.area()
        if np.count_nonzero(visible) < self.min_visible * amodal:
            return False
        taken = labels[visible]
        lost = np.bincount(taken[taken >= 0], minlength=len(self.masks))
        touched = np.flatnonzero(lost)
        for j in touched:
            if (self.visible_area[j] - lost[j] <
                    self.min_visible * self.masks[j].area()):
                return False
        before = labels.copy()
        labels[visible] = len(self.masks)
        self.masks.append(mask)
        self.depths.append(depth)
        self.visible_area.append(int(np.count_nonzero(visible)))
        for j in touched:
            self.visible_area[j] -= int(lost[j])
        if all(self._shape_ok(j)
               for j in [len(self.masks) - 1, *touched.tolist()]):
            return True
        labels[...] = before
        for j in touched:
            self.visible_area[j] += int(lost[j])
        del self.masks[-1], self.depths[-1], self.visible_area[-1]
        return False


def _render(objects: List[_Object], masks: List[_Mask], bg: np.ndarray,
            rng: np.random.Generator,
            bg_depth: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Composite objects far to near over ``bg`` (anti-aliased).

    Returns:
        tuple: uint8 image (H, W, 3), uint16 depth in mm (H, W) and the
        supersampled z-buffer.
    """
    height, width = bg.shape[:2]
    img = bg.copy()
    for i in sorted(range(len(objects)), key=lambda k: -objects[k].depth):
        region = masks[i].pixel_region
        alpha = _block_mean(masks[i].data.astype(np.float32))[..., None]
        colour = _object_colour(objects[i], region, rng)
        img[region] = img[region] * (1 - alpha) + colour * alpha
    img += rng.normal(0, 3.0, size=img.shape)
    labels = _paint_labels(masks, [o.depth for o in objects], height, width)
    centre = _centre_samples(labels)
    depth = bg_depth.copy()
    for i, obj in enumerate(objects):
        depth[centre == i] = obj.depth
    depth_mm = np.round(depth * 1000).astype(np.uint16)
    return np.clip(np.round(img), 0, 255).astype(np.uint8), depth_mm, labels


def _background_depth(rng: np.random.Generator, height: int,
                      width: int) -> np.ndarray:
    """A tilted background plane, 6-10 m away (top farther), in metres."""
    top, bottom = rng.uniform(8.5, 10.0), rng.uniform(6.25, 7.5)
    tilt = rng.uniform(-0.5, 0.5)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64) + 0.5
    return top + (bottom - top) * ys / height + tilt * (xs / width - 0.5)


def _make_scene(rng: np.random.Generator, img_size: int) -> _Scene:
    """Sample and render one scene of 2-5 objects."""
    bg, bg_name = _background(rng, img_size, img_size)
    bg_depth = _background_depth(rng, img_size, img_size)
    num = int(rng.integers(2, 6))
    layout = _Layout(img_size, img_size, min_side=_min_side(img_size),
                     min_visible=0.7)
    objects = []
    # big objects first: they are the hardest to fit
    for obj in sorted(_sample_objects(rng, num, img_size),
                      key=lambda o: -o.area):
        for _ in range(40):
            _place(rng, obj, img_size, img_size)
            if layout.try_add(_rasterize(obj.polygon(), img_size, img_size),
                              obj.depth):
                objects.append(obj)
                break
    image, depth, labels = _render(objects, layout.masks, bg, rng, bg_depth)
    return _Scene(objects, layout.masks, labels, image, depth, bg_name)


# --------------------------------------------------------------------------
# language
# --------------------------------------------------------------------------
def _tokens(text: str) -> List[str]:
    return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower())


def _position(obj: _Object, img_size: int) -> Tuple[str, str]:
    """(vertical, horizontal) thirds of the image the object centre is in."""
    def third(v: float, names: Tuple[str, str, str]) -> str:
        return names[min(int(3 * v / img_size), 2)]
    return (third(obj.cy, ('top', 'middle', 'bottom')),
            third(obj.cx, ('left', 'center', 'right')))


def _position_phrase(pos: Tuple[str, str]) -> str:
    vert, horiz = pos
    if vert == 'middle' and horiz == 'center':
        return 'in the center'
    if vert == 'middle':
        return f'on the {horiz}'
    if horiz == 'center':
        return f'at the {vert}'
    return f'at the {vert} {horiz}'


def _relation(scene: _Scene, a: int, b: int) -> str:
    """Spatial relation of object ``a`` to object ``b`` ("left of", ...)."""
    oa, ob = scene.objects[a], scene.objects[b]
    if _overlaps(scene.amodal[a], scene.amodal[b]):
        return 'in front of' if oa.depth < ob.depth else 'behind'
    dx, dy = ob.cx - oa.cx, ob.cy - oa.cy
    if abs(dx) >= abs(dy):
        return 'left of' if dx > 0 else 'right of'
    return 'above' if dy > 0 else 'below'


def _noun(obj: _Object, size: bool = True, colour: bool = True) -> str:
    words = ([obj.size] if size else []) + ([obj.colour] if colour else [])
    return ' '.join(words + [obj.shape])


def _article(phrase: str) -> str:
    return ('an ' if phrase[0] in 'aeiou' else 'a ') + phrase


def _join(items: List[str]) -> str:
    return items[0] if len(items) == 1 else (', '.join(items[:-1]) +
                                             ' and ' + items[-1])


def _scene_captions(scene: _Scene, rng: np.random.Generator, img_size: int,
                    num: int) -> List[str]:
    """``num`` captions of a scene (distinct unless the scene is too plain).

    The first, canonical one names the two largest objects with size,
    colour, shape, the position of the first and their relation.
    """
    objs = scene.objects
    order = sorted(range(len(objs)), key=lambda k: -objs[k].area)
    pos = {k: _position_phrase(_position(objs[k], img_size))
           for k in range(len(objs))}
    count = _COUNT_WORDS[min(len(objs), len(_COUNT_WORDS) - 1)]
    first = f'{_article(_noun(objs[order[0]]))} {pos[order[0]]}'
    if len(order) > 1:
        first += (f', {_relation(scene, order[0], order[1])} '
                  f'{_article(_noun(objs[order[1]]))}')
    else:
        first += f' on a {scene.background} background'
    captions = [
        first,
        # inventory with positions
        _join([f'{_article(_noun(objs[k]))} {pos[k]}' for k in order]),
        # count and background
        f'{count} shape{"s" if len(objs) > 1 else ""} on a '
        f'{scene.background} background: ' +
        _join([_article(_noun(objs[k], size=False)) for k in order]),
    ]
    pairs = [(a, b) for a in range(len(objs)) for b in range(len(objs))
             if a != b]
    occluding = [(a, b) for a, b in pairs
                 if _relation(scene, a, b) == 'behind']
    for pool, template in ((occluding, '{a} partly hidden behind {b}'),
                           (pairs, '{a} {rel} {b}, on a {bg} background'),
                           (pairs, 'a picture of {a} {rel} {b}')):
        if len(captions) >= num:
            break
        if not pool:
            continue
        a, b = pool[int(rng.integers(len(pool)))]
        captions.append(template.format(
            a=_article(_noun(objs[a], size=bool(rng.integers(2)))),
            b=_article(_noun(objs[b], size=bool(rng.integers(2)))),
            rel=_relation(scene, a, b), bg=scene.background))
    extra = [
        f'{_article(_noun(objs[k]))} {pos[k]} on a {scene.background} '
        'background' for k in order
    ] + [f'a picture of {_article(_noun(objs[k]))}' for k in order]
    extra = [text for text in extra if text not in captions]
    while len(captions) < num:
        captions.extend(extra or captions)
    return captions[:num]


def _referring_expressions(scene: _Scene, idx: int,
                           img_size: int) -> List[str]:
    """2-3 expressions that each pick out object ``idx`` uniquely."""
    objs = scene.objects
    pos = [_position(o, img_size) for o in objs]

    def attrs(k: int) -> Dict[str, object]:
        return dict(shape=objs[k].shape, colour=objs[k].colour,
                    size=objs[k].size, pos=pos[k])

    def unique(keys: Tuple[str, ...]) -> bool:
        target = {key: attrs(idx)[key] for key in keys}
        return sum(all(attrs(k)[key] == v for key, v in target.items())
                   for k in range(len(objs))) == 1

    obj = objs[idx]
    where = _position_phrase(pos[idx])
    candidates = (
        (('shape', ), f'the {obj.shape}'),
        (('size', 'shape'), f'the {obj.size} {obj.shape}'),
        (('shape', 'pos'), f'the {obj.shape} {where}'),
    )
    sentences = [text for keys, text in candidates if unique(keys)][:1]
    if not sentences:
        sentences.append(f'the {_noun(obj)} {where}')
    sentences.append(f'the {obj.colour} {obj.shape}')
    others = [k for k in range(len(objs)) if k != idx]
    if others:
        anchor = min(others, key=lambda k: (objs[k].cx - obj.cx)**2 +
                     (objs[k].cy - obj.cy)**2)
        sentences.append(
            f'the {obj.colour} {obj.shape} {_relation(scene, idx, anchor)} '
            f'the {objs[anchor].colour} {objs[anchor].shape}')
    return sentences


# --------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------
def _dump_json(obj: object, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))


def _save_png(arr: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # fast zlib level: noisy renders barely compress better at level 6
    Image.fromarray(arr).save(path, format='PNG', compress_level=1)


def _coco_header(description: str, seed: int) -> dict:
    return dict(info=dict(description=description, version='1.0',
                          year=2024, contributor='mmvision_plus',
                          url='', date_created='', seed=seed),
                licenses=[])


def _categories() -> List[dict]:
    return [dict(id=i + 1, name=name, supercategory='shape')
            for i, name in enumerate(SHAPE_CLASSES)]


class _SceneWriter:
    """Renders the train/val scenes and writes every scene-based part."""

    def __init__(self, root: Path, seed: int, img_size: int,
                 captions_per_image: int, crop_size: int,
                 parts: Set[str]) -> None:
        self.root, self.seed, self.img_size = root, seed, img_size
        self.captions_per_image, self.crop_size = captions_per_image, crop_size
        self.parts = parts
        self.refcoco_images: List[dict] = []
        self.refcoco_annotations: List[dict] = []
        self.refs: List[dict] = []
        self.next_ann_id = 1
        self.next_caption_id = 1
        self.next_sent_id = 0
        self.num_crops = 0

    def write_split(self, split: str, first_id: int, num: int) -> None:
        images, annotations, captions, retrieval = [], [], [], []
        for offset in range(num):
            image_id = first_id + offset
            rng = _rng(self.seed, 'scene', _SPLIT_CODES[split], offset)
            scene = _make_scene(rng, self.img_size)
            name = f'{image_id:06d}.png'
            _save_png(scene.image, self.root / 'images' / split / name)
            if 'depth' in self.parts:
                _save_png(scene.depth, self.root / 'depth' / split / name)
            info = dict(id=image_id, file_name=name, width=self.img_size,
                        height=self.img_size,
                        coco_url=f'images/{split}/{name}')
            images.append(info)
            anns = self._annotations(scene, image_id)
            annotations.extend(anns)
            text_rng = _rng(self.seed, 'scene_text', _SPLIT_CODES[split],
                            offset)
            texts = _scene_captions(scene, text_rng, self.img_size,
                                    self.captions_per_image)
            for text in texts:
                captions.append(dict(id=self.next_caption_id,
                                     image_id=image_id, caption=text))
                self.next_caption_id += 1
            retrieval.append(dict(image=f'{split}/{name}', caption=texts,
                                  image_id=image_id))
            if 'refcoco' in self.parts:
                self._add_refs(scene, split, offset, dict(
                    info, file_name=f'{split}/{name}'), anns)
            if 'crops' in self.parts:
                self._write_crops(scene, split, anns)
        header = _coco_header(f'mmvision_plus demo world {split}', self.seed)
        ann_dir = self.root / 'annotations'
        if 'detection' in self.parts:
            _dump_json(dict(header, images=images, annotations=annotations,
                            categories=_categories()),
                       ann_dir / f'instances_{split}.json')
        if 'captions' in self.parts:
            _dump_json(dict(header, images=images, annotations=captions),
                       ann_dir / f'captions_{split}.json')
            _dump_json(retrieval, ann_dir / f'retrieval_{split}.json')

    def _annotations(self, scene: _Scene, image_id: int) -> List[dict]:
        anns = []
        for i, obj in enumerate(scene.objects):
            visible = scene.visible(i)
            polygons, _ = _mask_polygons(visible)
            anns.append(dict(
                id=self.next_ann_id, image_id=image_id,
                category_id=SHAPE_CLASSES.index(obj.shape) + 1,
                bbox=_mask_bbox(visible.data, _SS,
                                (visible.x0, visible.y0)),
                area=round(visible.area() / _SS**2, 2),
                segmentation=polygons, iscrowd=0, colour=obj.colour,
                size=obj.size, depth=obj.depth,
                visible_fraction=round(
                    visible.area() / scene.amodal[i].area(), 3)))
            self.next_ann_id += 1
        return anns

    def _add_refs(self, scene: _Scene, split: str, offset: int,
                  image_info: dict, anns: List[dict]) -> None:
        if split == 'train':
            ref_split = 'train'
        else:
            ref_split = ('val', 'val', 'testA', 'testB')[offset % 4]
        self.refcoco_images.append(image_info)
        self.refcoco_annotations.extend(anns)
        for i, ann in enumerate(anns):
            sentences = []
            for raw in _referring_expressions(scene, i, self.img_size):
                tokens = _tokens(raw)
                sentences.append(dict(tokens=tokens, raw=raw,
                                      sent_id=self.next_sent_id,
                                      sent=' '.join(tokens)))
                self.next_sent_id += 1
            self.refs.append(dict(
                sent_ids=[s['sent_id'] for s in sentences],
                file_name=image_info['file_name'], ann_id=ann['id'],
                ref_id=len(self.refs), image_id=ann['image_id'],
                split=ref_split, sentences=sentences,
                category_id=ann['category_id']))

    def _write_crops(self, scene: _Scene, split: str,
                     anns: List[dict]) -> None:
        min_side = 10.0 * self.img_size / _REFERENCE_SIZE
        last = self.img_size - 1
        for ann in anns:
            x, y, w, h = ann['bbox']
            if ann['visible_fraction'] < 0.85 or min(w, h) < min_side:
                continue
            side = 1.3 * max(w, h)
            x0 = int(round(x + w / 2 - side / 2))
            y0 = int(round(y + h / 2 - side / 2))
            s = int(round(side))
            # square window, edge pixels repeated where it leaves the image
            rows = np.clip(np.arange(y0, y0 + s), 0, last)
            cols = np.clip(np.arange(x0, x0 + s), 0, last)
            crop = Image.fromarray(scene.image[rows][:, cols]).resize(
                (self.crop_size, self.crop_size), Image.BICUBIC)
            name = SHAPE_CLASSES[ann['category_id'] - 1]
            path = (self.root / 'crops' / split / name /
                    f'{ann["image_id"]:06d}_{ann["id"]:06d}.png')
            _save_png(np.asarray(crop), path)
            self.num_crops += 1

    def write_refcoco(self, seed: int) -> None:
        _dump_json(dict(_coco_header('mmvision_plus demo world refcoco',
                                     seed),
                        images=self.refcoco_images,
                        annotations=self.refcoco_annotations,
                        categories=_categories()),
                   self.root / 'refcoco' / 'instances.json')
        with open(self.root / 'refcoco' / 'refs(unc).p', 'wb') as f:
            pickle.dump(self.refs, f, protocol=4)


# -- person search ---------------------------------------------------------
def _identity_attributes(seed: int, num: int) -> List[Dict[str, str]]:
    """Distinct (shape, colour, pattern colour, pattern, size) tuples."""
    colours = list(COLOURS)
    combos = [(s, c, c2, p, z) for s in SHAPE_CLASSES for c in colours
              for c2 in colours if c2 != c for p in PATTERNS
              for z in SIZE_CLASSES]
    if num > len(combos):
        raise ValueError(f'num_identities={num} exceeds the {len(combos)} '
                         'distinct attribute combinations')
    rng = _rng(seed, 'identities')
    picks = rng.choice(len(combos), size=num, replace=False)
    keys = ('shape', 'colour', 'colour2', 'pattern', 'size')
    return [dict(zip(keys, combos[int(k)])) for k in picks]


def _pattern_mask(pattern: str, u: np.ndarray, v: np.ndarray,
                  inner: np.ndarray) -> np.ndarray:
    """Where the second colour goes, in object coordinates (u, v)."""
    if pattern == 'plain':
        return np.zeros(u.shape, bool)
    if pattern == 'horizontal stripes':
        return np.floor((v + 2.0) * 2.5).astype(int) % 2 == 1
    if pattern == 'vertical stripes':
        return np.floor((u + 2.0) * 2.5).astype(int) % 2 == 1
    if pattern == 'dots':
        fu, fv = (u * 2.2) % 1 - 0.5, (v * 2.2) % 1 - 0.5
        return fu**2 + fv**2 < 0.09
    if pattern == 'two-tone':
        return v > 0.0
    if pattern == 'border':
        return ~inner
    raise ValueError(f'unknown pattern {pattern!r}')


_PATTERN_WORDS = {
    'plain': None,
    'horizontal stripes': '{c} horizontal stripes',
    'vertical stripes': '{c} vertical stripes',
    'dots': '{c} dots',
    'two-tone': 'a {c} lower half',
    'border': 'a {c} border',
}


def _render_identity(attrs: Dict[str, str], rng: np.random.Generator,
                     height: int, width: int) -> Tuple[np.ndarray, dict]:
    """One view of an identity.

    Returns:
        tuple: uint8 image (height, width, 3) and the view's details
        (angle, background phrase).
    """
    bg, bg_name = _background(rng, height, width)
    img = bg
    # clutter: part of another shape at the image border
    if rng.uniform() < 0.3:
        other = _Object(SHAPE_CLASSES[int(rng.integers(len(SHAPE_CLASSES)))],
                        list(COLOURS)[int(rng.integers(len(COLOURS)))],
                        'small', (0.35 * width)**2, rng.uniform(0, 90), 9.0,
                        1.0, float(rng.choice([0, width])),
                        rng.uniform(0, height))
        mask = _rasterize(other.polygon(), height, width)
        region = mask.pixel_region
        alpha = _block_mean(mask.data.astype(np.float32))[..., None]
        img[region] = img[region] * (1 - alpha) + _object_colour(
            other, region, rng) * alpha
    frac = {'small': (0.45, 0.55), 'medium': (0.62, 0.72),
            'large': (0.8, 0.92)}[attrs['size']]
    angle = rng.uniform(-30, 30) if _ROTATION[attrs['shape']] else 0.0
    unit = _rotate(_UNIT[attrs['shape']], angle)
    unit_w = unit[:, 0].max() - unit[:, 0].min()
    unit_h = unit[:, 1].max() - unit[:, 1].min()
    side = rng.uniform(*frac) * width / unit_w
    side = min(side, 0.9 * height / unit_h)
    half_w, half_h = unit_w * side / 2, unit_h * side / 2
    cx = width / 2 + rng.uniform(-1, 1) * max(width / 2 - half_w - 1, 0)
    cy = height / 2 + rng.uniform(-1, 1) * max(height / 2 - half_h - 1, 0)
    poly = unit * side + [cx, cy]
    mask = _rasterize(poly, height, width)
    # the inner outline, on the same crop as ``mask`` (for 'border')
    inner = Image.new('L', mask.data.shape[::-1], 0)
    inner_poly = (_rotate(_UNIT[attrs['shape']] * 0.65 * side, angle) +
                  [cx - mask.x0, cy - mask.y0]) * _SS - 0.5
    ImageDraw.Draw(inner).polygon([tuple(p) for p in inner_poly.tolist()],
                                  fill=1)
    rows, cols = mask.region
    ys, xs = (np.mgrid[rows, cols].astype(np.float64) + 0.5) / _SS
    a = math.radians(angle)
    du, dv = xs - cx, ys - cy
    u = (du * math.cos(a) + dv * math.sin(a)) / side
    v = (-du * math.sin(a) + dv * math.cos(a)) / side
    second = _pattern_mask(attrs['pattern'], u, v,
                           np.asarray(inner, dtype=bool))
    brightness = rng.uniform(0.88, 1.08)
    layer = np.where(second[..., None], np.array(COLOURS[attrs['colour2']]),
                     np.array(COLOURS[attrs['colour']])) * brightness
    premult = _block_mean(layer * mask.data[..., None])
    alpha = _block_mean(mask.data.astype(np.float64))[..., None]
    region = mask.pixel_region
    img[region] = img[region] * (1 - alpha) + np.clip(premult, 0, 255)
    img += rng.normal(0, 3.0, size=img.shape)
    image = np.clip(np.round(img), 0, 255).astype(np.uint8)
    return image, dict(angle=angle, background=bg_name)


def _identity_captions(attrs: Dict[str, str], view: dict,
                       rng: np.random.Generator) -> List[str]:
    """Two captions of one view (all identity attributes, varied wording)."""
    shape, colour, size = attrs['shape'], attrs['colour'], attrs['size']
    pattern = _PATTERN_WORDS[attrs['pattern']]
    pattern = None if pattern is None else pattern.format(c=attrs['colour2'])
    if view['angle'] > 10:
        pose = 'tilted to the right'
    elif view['angle'] < -10:
        pose = 'tilted to the left'
    else:
        pose = 'standing upright'
    surface = f'with {pattern}' if pattern else 'in one plain colour'
    bg = view['background']
    templates = [
        f'{_article(size)} {colour} {shape} {surface}, {pose}, on a {bg} '
        'background.',
        f'this {shape} is {colour} and {size}; it is drawn {surface} and is '
        f'{pose}.',
        f'the picture shows {_article(size)} {shape} coloured {colour}, '
        f'{surface}, in front of a {bg} background.',
        f'{_article(colour)} {shape} {surface}. the shape is {size} and '
        f'{pose}.',
    ]
    picks = rng.choice(len(templates), size=2, replace=False)
    return [templates[int(k)] for k in picks]


def _write_pedes(root: Path, seed: int, num_identities: int,
                 images_per_identity: Tuple[int, int],
                 pedes_size: Tuple[int, int]) -> int:
    """CUHK-PEDES layout; returns the number of images."""
    height, width = pedes_size
    identities = _identity_attributes(seed, num_identities)
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
        count_rng = _rng(seed, 'pedes', pid, 0)
        lo, hi = images_per_identity
        for k in range(int(count_rng.integers(lo, hi + 1))):
            rng = _rng(seed, 'pedes', pid, k + 1)
            image, view = _render_identity(attrs, rng, height, width)
            file_path = f'{pid:05d}/{k:02d}.png'
            _save_png(image, root / 'pedes' / 'imgs' / file_path)
            captions = _identity_captions(attrs, view, rng)
            records.append(dict(split=split, captions=captions,
                                file_path=file_path,
                                processed_tokens=[_tokens(c)
                                                  for c in captions],
                                id=pid))
    _dump_json(records, root / 'pedes' / 'reid_raw.json')
    return len(records)


# -- videos ----------------------------------------------------------------
def _write_video(root: Path, rng: np.random.Generator, video_id: int,
                 img_size: int, frame_range: Tuple[int, int],
                 first_track_id: int) -> Tuple[dict, List[dict]]:
    """Render one clip; returns its YouTube-VIS video and track records."""
    name = f'demo{video_id:04d}'
    length = int(rng.integers(frame_range[0], frame_range[1] + 1))
    bg, _ = _background(rng, img_size, img_size)
    bg_depth = _background_depth(rng, img_size, img_size)
    objects = _sample_objects(rng, int(rng.integers(2, 5)), img_size,
                              max_area_scale=0.6)
    speed = img_size / _REFERENCE_SIZE
    motion = []
    for obj in objects:
        _place(rng, obj, img_size, img_size)
        heading = rng.uniform(0, 2 * np.pi)
        velocity = rng.uniform(1.5, 5.0) * speed * np.array(
            [math.cos(heading), math.sin(heading)])
        start = int(rng.integers(1, max(length // 3, 2))) \
            if rng.uniform() < 0.25 else 0
        stop = int(rng.integers(2 * length // 3, length)) \
            if rng.uniform() < 0.25 else length
        motion.append(dict(velocity=velocity, spin=rng.uniform(-6, 6),
                           grow=rng.uniform(-0.015, 0.015), start=start,
                           stop=stop, area0=obj.area))
    file_names = []
    tracks = [dict(segmentations=[], bboxes=[], areas=[]) for _ in objects]
    for t in range(length):
        present = [m['start'] <= t < m['stop'] for m in motion]
        masks = []
        for obj, m, here in zip(objects, motion, present):
            obj.area = m['area0'] * (1 + m['grow'])**t
            masks.append(_rasterize(obj.polygon(), img_size, img_size)
                         if here else _Mask(0, 0, np.zeros((_SS, _SS), bool)))
        image, _, labels = _render(objects, masks, bg, rng, bg_depth)
        centre = _centre_samples(labels)
        file_name = f'{name}/{t:05d}.jpg'
        path = root / 'videos' / 'JPEGImages' / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(path, format='JPEG', quality=90)
        file_names.append(file_name)
        for i, track in enumerate(tracks):
            visible = centre == i
            if np.count_nonzero(visible) < 4:
                track['segmentations'].append(None)
                track['bboxes'].append(None)
                track['areas'].append(None)
                continue
            track['segmentations'].append(_rle_encode(visible))
            track['bboxes'].append(_mask_bbox(visible))
            track['areas'].append(int(np.count_nonzero(visible)))
        # move (bouncing off the borders) and spin for the next frame
        for obj, m in zip(objects, motion):
            obj.angle += m['spin'] if _ROTATION[obj.shape] else 0.0
            half_w, half_h = obj.extent()
            for axis, half in ((0, half_w), (1, half_h)):
                pos = (obj.cx, obj.cy)[axis] + m['velocity'][axis]
                if pos - half < 0 or pos + half > img_size:
                    m['velocity'][axis] *= -1
                    pos = float(np.clip(pos, half, img_size - half))
                if axis == 0:
                    obj.cx = pos
                else:
                    obj.cy = pos
    video = dict(id=video_id, width=img_size, height=img_size, length=length,
                 file_names=file_names, license=1, flickr_url='',
                 coco_url='', date_captured='')
    records = []
    for obj, track in zip(objects, tracks):
        if all(a is None for a in track['areas']):
            continue
        records.append(dict(id=first_track_id + len(records),
                            video_id=video_id,
                            category_id=SHAPE_CLASSES.index(obj.shape) + 1,
                            iscrowd=0, height=img_size, width=img_size,
                            length=1, **track))
    return video, records


def _to_cocovid(raw: dict) -> dict:
    """Raw YouTube-VIS 2019 -> CocoVID layout (as mmdet's converter)."""
    out = dict(categories=raw['categories'], videos=[], images=[],
               annotations=[])
    tracks_of: Dict[int, List[dict]] = {}
    for track in raw['annotations']:
        tracks_of.setdefault(track['video_id'], []).append(track)
    img_id, ann_id, instance_ids = 1, 1, {}
    for video in raw['videos']:
        out['videos'].append(dict(id=video['id'],
                                  name=video['file_names'][0].split('/')[0],
                                  width=video['width'],
                                  height=video['height']))
        for frame_id, file_name in enumerate(video['file_names']):
            out['images'].append(dict(file_name=file_name,
                                      height=video['height'],
                                      width=video['width'], id=img_id,
                                      frame_id=frame_id,
                                      video_id=video['id']))
            for track in tracks_of.get(video['id'], []):
                if track['bboxes'][frame_id] is None:
                    continue
                instance_id = instance_ids.setdefault(track['id'],
                                                      len(instance_ids) + 1)
                out['annotations'].append(dict(
                    id=ann_id, video_id=video['id'], image_id=img_id,
                    category_id=track['category_id'],
                    instance_id=instance_id,
                    bbox=track['bboxes'][frame_id],
                    segmentation=track['segmentations'][frame_id],
                    area=track['areas'][frame_id], iscrowd=track['iscrowd']))
                ann_id += 1
            img_id += 1
    return out


def _write_videos(root: Path, seed: int, img_size: int, num_videos: int,
                  num_val_videos: int,
                  frame_range: Tuple[int, int]) -> int:
    """Both YouTube-VIS splits; returns the number of frames."""
    video_id, track_id, frames = 1, 1, 0
    for split, num in (('train', num_videos), ('valid', num_val_videos)):
        raw = dict(info=dict(description='mmvision_plus demo world videos',
                             version='1.0', year=2024,
                             contributor='mmvision_plus', date_created=''),
                   licenses=[dict(id=1, name='CC0', url='')], videos=[],
                   categories=_categories(), annotations=[])
        code = 0 if split == 'train' else 1
        for k in range(num):
            video, tracks = _write_video(root, _rng(seed, 'video', code, k),
                                         video_id, img_size, frame_range,
                                         track_id)
            raw['videos'].append(video)
            raw['annotations'].extend(tracks)
            video_id += 1
            track_id += len(tracks)
            frames += video['length']
        ann_dir = root / 'videos' / 'annotations'
        _dump_json(raw, ann_dir / f'{split}.json')
        _dump_json(_to_cocovid(raw),
                   ann_dir / f'youtube_vis_2019_{split}.json')
    return frames


# --------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------
def _normalise_only(only: Union[None, str, Iterable[str]]) -> List[str]:
    if only is None:
        return list(COMPONENTS)
    names = [s.strip() for s in only.split(',')] if isinstance(only, str) \
        else list(only)
    unknown = sorted(set(names) - set(COMPONENTS))
    if unknown or not names:
        raise ValueError(f'only: unknown part(s) {unknown}; choose from '
                         f'{COMPONENTS}')
    return [c for c in COMPONENTS if c in names]


def _generation_args(seed: int, num_train: int, num_val: int, img_size: int,
                     num_identities: int, images_per_identity: Sequence[int],
                     pedes_size: Sequence[int], num_videos: int,
                     num_val_videos: int, video_frames: Sequence[int],
                     captions_per_image: int, crop_size: int) -> dict:
    """Check and collect the content-defining arguments (json-ready)."""
    args = dict(seed=int(seed), num_train=int(num_train),
                num_val=int(num_val), img_size=int(img_size),
                num_identities=int(num_identities),
                images_per_identity=[int(v) for v in images_per_identity],
                pedes_size=[int(v) for v in pedes_size],
                num_videos=int(num_videos),
                num_val_videos=int(num_val_videos),
                video_frames=[int(v) for v in video_frames],
                captions_per_image=int(captions_per_image),
                crop_size=int(crop_size))
    checks = [
        ('num_train', num_train >= 1), ('num_val', num_val >= 1),
        ('img_size', img_size >= 32), ('num_identities', num_identities >= 5),
        ('images_per_identity', len(args['images_per_identity']) == 2 and
         2 <= images_per_identity[0] <= images_per_identity[1]),
        ('pedes_size', len(args['pedes_size']) == 2 and
         min(pedes_size) >= 16),
        ('num_videos', num_videos >= 1), ('num_val_videos',
                                          num_val_videos >= 1),
        ('video_frames', len(args['video_frames']) == 2 and
         2 <= video_frames[0] <= video_frames[1]),
        ('captions_per_image', captions_per_image >= 1),
        ('crop_size', crop_size >= 8),
    ]
    for name, ok in checks:
        if not ok:
            raise ValueError(f'generate_demo_world: invalid {name}='
                             f'{args[name]!r}')
    return args


def _remove_stale_temporaries(out_dir: Path) -> None:
    """Delete temporary siblings left by generations that were killed."""
    for path in [*out_dir.parent.glob(f'.{out_dir.name}.tmp-*'),
                 *out_dir.parent.glob(f'.{out_dir.name}.old-*')]:
        pid = path.name.rsplit('-', 1)[-1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass


def generate_demo_world(out_dir: Union[str, Path],
                        seed: int = 0,
                        num_train: int = 480,
                        num_val: int = 120,
                        img_size: int = 160,
                        num_identities: int = 100,
                        images_per_identity: Sequence[int] = (4, 6),
                        pedes_size: Sequence[int] = (128, 64),
                        num_videos: int = 24,
                        num_val_videos: int = 8,
                        video_frames: Sequence[int] = (8, 16),
                        captions_per_image: int = 5,
                        crop_size: int = 48,
                        only: Union[None, str, Iterable[str]] = None,
                        log: Optional[Callable[[str], None]] = None) -> Path:
    """Generate the demo world into ``out_dir`` (replacing what is there).

    Args:
        out_dir (str | Path): Target directory, e.g. ``data/demo_world``.
        seed (int): Seed; equal arguments give byte-identical files.
        num_train (int): Number of training scenes.
        num_val (int): Number of validation scenes.
        img_size (int): Side of the square scenes and video frames (px).
            Object sizes scale with it (tuned for 160).
        num_identities (int): Person-search identities (60/20/20 split).
        images_per_identity (tuple[int, int]): Min and max views per id.
        pedes_size (tuple[int, int]): (height, width) of identity images.
        num_videos (int): Number of training videos.
        num_val_videos (int): Number of validation (``valid``) videos.
        video_frames (tuple[int, int]): Min and max frames per video.
        captions_per_image (int): Captions per scene.
        crop_size (int): Side of the object crops (px).
        only (str | Iterable[str], optional): Parts to write, a subset of
            :data:`COMPONENTS` (comma separated string or iterable).
            ``images/`` is written whenever a scene-based part is.
            Defaults to all parts.
        log (Callable[[str], None], optional): Progress callback.

    Returns:
        Path: ``out_dir``.
    """
    args = _generation_args(seed, num_train, num_val, img_size,
                            num_identities, images_per_identity, pedes_size,
                            num_videos, num_val_videos, video_frames,
                            captions_per_image, crop_size)
    parts = _normalise_only(only)
    say = log or (lambda msg: None)
    out_dir = Path(out_dir).absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(out_dir)
    tmp = out_dir.parent / f'.{out_dir.name}.tmp-{os.getpid()}'
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    counts: Dict[str, int] = {}
    try:
        if _SCENE_PARTS & set(parts):
            t0 = time.time()
            writer = _SceneWriter(tmp, seed, img_size, captions_per_image,
                                  crop_size, set(parts))
            writer.write_split('train', 1, num_train)
            writer.write_split('val', num_train + 1, num_val)
            if 'refcoco' in parts:
                writer.write_refcoco(seed)
                counts['refs'] = len(writer.refs)
            counts['scenes'] = num_train + num_val
            counts['objects'] = writer.next_ann_id - 1
            if 'crops' in parts:
                counts['crops'] = writer.num_crops
            say(f'scenes: {num_train} train + {num_val} val, '
                f'{counts["objects"]} objects ({time.time() - t0:.1f} s)')
        if 'pedes' in parts:
            t0 = time.time()
            counts['pedes_images'] = _write_pedes(
                tmp, seed, num_identities, tuple(images_per_identity),
                tuple(pedes_size))
            say(f'pedes: {num_identities} identities, '
                f'{counts["pedes_images"]} images ({time.time() - t0:.1f} s)')
        if 'videos' in parts:
            t0 = time.time()
            counts['video_frames'] = _write_videos(
                tmp, seed, img_size, num_videos, num_val_videos,
                tuple(video_frames))
            say(f'videos: {num_videos} train + {num_val_videos} valid, '
                f'{counts["video_frames"]} frames ({time.time() - t0:.1f} s)')
        marker = dict(generator='mmvision_plus.datasets.demo_world',
                      format_version=FORMAT_VERSION, args=args, parts=parts,
                      counts=counts)
        with open(tmp / MARKER, 'w') as f:
            json.dump(marker, f, indent=2, sort_keys=True)
        _move_into_place(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def _move_into_place(tmp: Path, out_dir: Path) -> None:
    """Rename the finished ``tmp`` to ``out_dir``, replacing an old one."""
    old = None
    if out_dir.exists():
        old = out_dir.parent / f'.{out_dir.name}.old-{os.getpid()}'
        shutil.rmtree(old, ignore_errors=True)
        out_dir.rename(old)
    try:
        tmp.rename(out_dir)
    except OSError:
        # another process finished first: keep a complete world it wrote
        if read_marker(out_dir) is None:
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_marker(out_dir: Union[str, Path]) -> Optional[dict]:
    """The ``DONE`` marker of a generated world, or None if incomplete."""
    path = Path(out_dir) / MARKER
    if not path.is_file():
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def ensure_demo_world(out_dir: Union[str, Path], **kwargs) -> Path:
    """Generate the demo world unless ``out_dir`` already holds it.

    The world is reused when its ``DONE`` marker records the same
    generator format version (:data:`FORMAT_VERSION`, bumped whenever the
    output changes), the same content arguments (see
    :func:`generate_demo_world`) and a superset of the requested parts;
    otherwise it is regenerated.

    Args:
        out_dir (str | Path): Target directory.
        **kwargs: Arguments of :func:`generate_demo_world`.

    Returns:
        Path: ``out_dir``.
    """
    marker = read_marker(out_dir)
    if marker is not None:
        defaults = {
            k: v.default
            for k, v in inspect.signature(
                generate_demo_world).parameters.items()
            if k not in ('out_dir', 'only', 'log')
        }
        wanted = _generation_args(**{**defaults, **{
            k: v for k, v in kwargs.items() if k in defaults}})
        parts = _normalise_only(kwargs.get('only'))
        if (marker.get('format_version') == FORMAT_VERSION
                and marker.get('args') == wanted
                and set(parts) <= set(marker.get('parts', []))):
            return Path(out_dir).absolute()
    return generate_demo_world(out_dir, **kwargs)
