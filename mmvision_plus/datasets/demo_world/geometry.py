"""Shapes, polygons, supersampled rasterisation, masks, polygons and RLE.

Everything is in image pixel coordinates (x right, y down; pixel ``x``
covers ``[x, x + 1)`` as in COCO). Masks are rasterised on a grid of
:data:`SS` x :data:`SS` samples per pixel so that renders are anti-aliased
and visible areas are measured to a fraction of a pixel.

Written here rather than taken from pycocotools: the generator needs
supersampled masks cropped to their bounds (pycocotools rasterises whole
images at one sample per pixel) and polygons without holes checked at the
sample level.
"""
import math
from dataclasses import dataclass
from typing import List, Optional, Tuple

import cv2
import numpy as np
from PIL import Image, ImageDraw

#: Object categories (COCO category ids are 1-based in this order).
SHAPE_CLASSES = ('circle', 'square', 'triangle', 'star', 'hexagon',
                 'ellipse', 'cross', 'diamond')
#: Supersampling factor of the rasteriser (samples per pixel and axis).
SS = 4
#: Allowed rotation (degrees, +-) per shape: a shape turned further would
#: look like another class (a square turned 45 degrees is a diamond).
MAX_ROTATION = {
    'circle': 0.0, 'square': 12.0, 'triangle': 180.0, 'star': 180.0,
    'hexagon': 180.0, 'ellipse': 180.0, 'cross': 15.0, 'diamond': 12.0
}


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


def polygon_area(pts: np.ndarray) -> float:
    """Area of a simple polygon (shoelace formula).

    Args:
        pts (np.ndarray): (N, 2) vertices.
    """
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) -
                           np.dot(y, np.roll(x, -1))))


#: (N, 2) outline of every shape class, centred, extent about 1.
UNIT_SHAPES = {s: _unit_shape(s) for s in SHAPE_CLASSES}
#: Area of each outline in :data:`UNIT_SHAPES`.
UNIT_AREAS = {s: polygon_area(p) for s, p in UNIT_SHAPES.items()}


def rotate(pts: np.ndarray, angle: float) -> np.ndarray:
    """Rotate (N, 2) points about the origin by ``angle`` degrees."""
    a = math.radians(angle)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return pts @ rot.T


@dataclass
class Mask:
    """A supersampled binary mask stored as a crop on whole-pixel bounds.

    ``data`` (h * SS, w * SS) covers image pixels ``[x0, x0 + w)`` x
    ``[y0, y0 + h)`` with SS x SS samples per pixel.
    """
    x0: int
    y0: int
    data: np.ndarray

    @property
    def region(self) -> Tuple[slice, slice]:
        """Slices of the crop in a supersampled full-image array."""
        h, w = self.data.shape
        return (slice(self.y0 * SS, self.y0 * SS + h),
                slice(self.x0 * SS, self.x0 * SS + w))

    @property
    def pixel_region(self) -> Tuple[slice, slice]:
        """Slices of the crop in a full-resolution image array."""
        h, w = self.data.shape
        return (slice(self.y0, self.y0 + h // SS),
                slice(self.x0, self.x0 + w // SS))

    def area(self) -> int:
        """Number of supersamples set."""
        return int(np.count_nonzero(self.data))


def rasterize(poly: np.ndarray, height: int, width: int) -> Mask:
    """Fill a polygon (image pixel coordinates) on the supersampled grid.

    Parts outside the ``height`` x ``width`` image are cut off.

    Args:
        poly (np.ndarray): (N, 2) vertices.
        height (int): Image height (px).
        width (int): Image width (px).
    """
    x0 = int(np.clip(math.floor(poly[:, 0].min()), 0, width - 1))
    y0 = int(np.clip(math.floor(poly[:, 1].min()), 0, height - 1))
    x1 = int(np.clip(math.ceil(poly[:, 0].max()) + 1, x0 + 1, width))
    y1 = int(np.clip(math.ceil(poly[:, 1].max()) + 1, y0 + 1, height))
    canvas = Image.new('L', ((x1 - x0) * SS, (y1 - y0) * SS), 0)
    pts = [(float(x - x0) * SS - 0.5, float(y - y0) * SS - 0.5)
           for x, y in poly]
    ImageDraw.Draw(canvas).polygon(pts, fill=1)
    return Mask(x0, y0, np.asarray(canvas, dtype=bool))


def masks_overlap(a: Mask, b: Mask) -> bool:
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


def block_mean(arr: np.ndarray, ss: int = SS) -> np.ndarray:
    """Average ss x ss blocks: (H*ss, W*ss, ...) -> (H, W, ...)."""
    h, w = arr.shape[0] // ss, arr.shape[1] // ss
    return arr.reshape(h, ss, w, ss, *arr.shape[2:]).mean(axis=(1, 3))


def centre_samples(arr: np.ndarray, ss: int = SS) -> np.ndarray:
    """One supersample per pixel (its centre): (H*ss, W*ss) -> (H, W)."""
    return arr[ss // 2::ss, ss // 2::ss]


def mask_polygons(mask: Mask) -> Tuple[List[List[float]], bool]:
    """COCO polygons of a supersampled mask.

    Returns:
        tuple: polygons (list of flat [x0, y0, x1, y1, ...] lists in image
        pixel coordinates) and whether the mask has a hole.
    """
    ss = SS
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


def mask_bbox(mask: np.ndarray, scale: int = 1,
              origin: Tuple[int, int] = (0, 0)) -> List[float]:
    """Tight [x, y, w, h] box (pixels) of a non-empty mask.

    Args:
        mask (np.ndarray): (H * scale, W * scale) binary mask.
        scale (int): Samples per pixel.
        origin (tuple[int, int]): Pixel (x, y) of the mask's first sample.
    """
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    x0, x1 = xs[0] / scale + origin[0], (xs[-1] + 1) / scale + origin[0]
    y0, y1 = ys[0] / scale + origin[1], (ys[-1] + 1) / scale + origin[1]
    return [round(float(x0), 2), round(float(y0), 2),
            round(float(x1 - x0), 2), round(float(y1 - y0), 2)]


def rle_encode(mask: np.ndarray) -> dict:
    """Uncompressed COCO RLE of a (H, W) binary mask (column-major runs).

    Written here rather than with ``pycocotools.mask.encode``, which only
    produces compressed RLE; YouTube-VIS ships uncompressed counts.
    """
    flat = mask.ravel(order='F').astype(np.int8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0] == 1:
        counts = [0] + counts
    return {'counts': [int(c) for c in counts],
            'size': [int(mask.shape[0]), int(mask.shape[1])]}
