"""Scenes: object sampling, layout under occlusion, backgrounds, rendering
and depth.

A scene holds 2-5 objects of :data:`~.geometry.SHAPE_CLASSES` in
:data:`COLOURS` on a textured background (gradient, stripes or smooth
noise, plus sensor noise). A (shape, colour) pair occurs at most once per
scene, so every object has a unique referring expression. Object sizes
follow the COCO area classes (``small`` < 32^2 <= ``medium`` < 96^2 <=
``large``, scaled with ``img_size / 160``); at most one large object per
scene. Every object lies at its own depth (1-5.75 m; the background is a
plane 6-10 m away) and objects are painted far to near, so nearer objects
occlude farther ones. Layouts keep every object at least 70 % visible,
without holes, and at least ``max(4, 8 * img_size / 160)`` pixels wide and
high. Rendering is :data:`~.geometry.SS` x supersampled (anti-aliased
edges).
"""
import math
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image

from .geometry import (MAX_ROTATION, SHAPE_CLASSES, SS, UNIT_AREAS,
                       UNIT_SHAPES, Mask, block_mean, centre_samples,
                       mask_bbox, mask_polygons, rasterize, rotate)

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
#: COCO size classes an object is sampled from.
SIZE_CLASSES = ('small', 'medium', 'large')
#: Image size (px) the pixel ranges below are tuned for.
REFERENCE_SIZE = 160.0
# amodal object area ranges (px^2 at 160 px) per COCO size class
_AREA_RANGES = {
    'small': (160.0, 900.0),
    'medium': (1100.0, 6400.0),
    'large': (9800.0, 13000.0),
}


def _muted_colour(rng: np.random.Generator) -> np.ndarray:
    """A low-saturation RGB colour in [0, 255], shape (3, )."""
    hue = rng.uniform(0, 6)
    sat = rng.uniform(0.05, 0.3)
    val = rng.uniform(0.35, 0.78)
    c = val * (1 - sat * np.clip(
        np.abs(((hue + np.array([0.0, 4.0, 2.0])) % 6) - 3) - 1, 0, 1))
    return 255.0 * c


def background(rng: np.random.Generator, height: int,
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
        period = rng.uniform(6, 24) * max(height, width) / REFERENCE_SIZE
        t = 0.5 + 0.5 * np.sin(2 * np.pi * proj / period)
    else:
        cells = int(rng.integers(3, 8))
        grid = rng.uniform(0, 255, size=(cells, cells)).astype(np.uint8)
        t = np.asarray(Image.fromarray(grid).resize(
            (width, height), Image.BICUBIC), np.float64) / 255.0
    img = c0 + (c1 - c0) * t[..., None]
    tone = 'dark' if img.mean() < 128 else 'light'
    return img, f'{tone} {kind}'


def background_depth(rng: np.random.Generator, height: int,
                     width: int) -> np.ndarray:
    """A tilted background plane, 6-10 m away (top farther).

    Returns:
        np.ndarray: (height, width) float depth in metres.
    """
    top, bottom = rng.uniform(8.5, 10.0), rng.uniform(6.25, 7.5)
    tilt = rng.uniform(-0.5, 0.5)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64) + 0.5
    return top + (bottom - top) * ys / height + tilt * (xs / width - 0.5)


@dataclass
class SceneObject:
    """One shape instance (geometry and appearance)."""
    shape: str
    colour: str
    size: str
    area: float  # amodal area (px^2)
    angle: float  # degrees
    depth: float  # metres
    brightness: float
    cx: float = 0.0
    cy: float = 0.0

    def polygon(self, scale: float = 1.0) -> np.ndarray:
        """Amodal outline in image pixel coordinates, (N, 2)."""
        side = scale * math.sqrt(self.area / UNIT_AREAS[self.shape])
        return rotate(UNIT_SHAPES[self.shape] * side,
                      self.angle) + [self.cx, self.cy]

    def extent(self) -> Tuple[float, float]:
        """Half width and half height of the amodal box."""
        pts = self.polygon() - [self.cx, self.cy]
        return float(np.abs(pts[:, 0]).max()), float(np.abs(pts[:, 1]).max())


def object_colour(obj: SceneObject, region: Tuple[slice, slice],
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


def _paint_labels(masks: Sequence[Mask], depths: Sequence[float],
                  height: int, width: int) -> np.ndarray:
    """Supersampled z-buffer (H*SS, W*SS): nearest object index, -1 none."""
    labels = np.full((height * SS, width * SS), -1, np.int16)
    for i in sorted(range(len(masks)), key=lambda k: -depths[k]):
        labels[masks[i].region][masks[i].data] = i
    return labels


def min_side(img_size: int) -> float:
    """Smallest visible box side (px) an object may have."""
    return max(4.0, 8.0 * img_size / REFERENCE_SIZE)


def sample_objects(rng: np.random.Generator, num: int, img_size: int,
                   max_area_scale: float = 1.0) -> List[SceneObject]:
    """Sample shape, colour, size, pose and depth of ``num`` objects.

    (shape, colour) pairs are distinct; at most one object is large; every
    amodal box is at least 1.2 x :func:`min_side` wide and high.
    """
    scale2 = (img_size / REFERENCE_SIZE)**2
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
            angle = rng.uniform(-1, 1) * MAX_ROTATION[shape]
            obj = SceneObject(shape, colour, size, area, angle, 0.0,
                              rng.uniform(0.88, 1.08))
            half_w, half_h = obj.extent()
            shortest = 2 * min(half_w, half_h)
            if shortest < 1.2 * min_side(img_size):
                obj.area *= (1.2 * min_side(img_size) / shortest)**2
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


def place(rng: np.random.Generator, obj: SceneObject, height: int,
          width: int) -> None:
    """Put the amodal box of ``obj`` uniformly inside the image."""
    half_w, half_h = obj.extent()
    obj.cx = rng.uniform(half_w + 0.5, max(width - half_w - 0.5,
                                           half_w + 0.5))
    obj.cy = rng.uniform(half_h + 0.5, max(height - half_h - 0.5,
                                           half_h + 0.5))


@dataclass
class Scene:
    """A rendered scene with its per-object masks."""
    objects: List[SceneObject]
    amodal: List[Mask]  # amodal (unoccluded) masks
    labels: np.ndarray  # (H*SS, W*SS) int16 z-buffer, -1 = background
    image: np.ndarray  # (H, W, 3) uint8
    depth: np.ndarray  # (H, W) uint16, mm
    background: str  # phrase naming the background ("dark striped")

    def visible(self, i: int) -> Mask:
        """Visible (after occlusion) mask of object ``i``."""
        amodal = self.amodal[i]
        return Mask(amodal.x0, amodal.y0, self.labels[amodal.region] == i)


class _Layout:
    """A z-buffer grown object by object under occlusion constraints.

    Every object keeps at least ``min_visible`` of its area visible, a
    visible box of at least ``min_side`` pixels each way and no holes
    (COCO polygons cannot represent them).
    """

    def __init__(self, height: int, width: int, min_side: float,
                 min_visible: float) -> None:
        self.labels = np.full((height * SS, width * SS), -1, np.int16)
        self.min_side, self.min_visible = min_side, min_visible
        self.masks: List[Mask] = []
        self.depths: List[float] = []
        self.visible_area: List[int] = []

    def _shape_ok(self, j: int) -> bool:
        mask = self.masks[j]
        visible = self.labels[mask.region] == j
        _, _, w, h = mask_bbox(visible, SS)
        if min(w, h) < self.min_side:
            return False
        if self.visible_area[j] == mask.area():
            return True
        return not mask_polygons(Mask(mask.x0, mask.y0, visible))[1]

    def try_add(self, mask: Mask, depth: float) -> bool:
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


def render(objects: List[SceneObject], masks: List[Mask], bg: np.ndarray,
           rng: np.random.Generator,
           bg_depth: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Composite objects far to near over ``bg`` (anti-aliased).

    Args:
        objects (list[SceneObject]): The objects.
        masks (list[Mask]): Their amodal masks.
        bg (np.ndarray): (H, W, 3) float RGB background.
        rng (np.random.Generator): Draws shading and sensor noise.
        bg_depth (np.ndarray): (H, W) background depth in metres.

    Returns:
        tuple: uint8 image (H, W, 3), uint16 depth in mm (H, W) and the
        supersampled z-buffer (H*SS, W*SS), int16, -1 = background.
    """
    height, width = bg.shape[:2]
    img = bg.copy()
    for i in sorted(range(len(objects)), key=lambda k: -objects[k].depth):
        region = masks[i].pixel_region
        alpha = block_mean(masks[i].data.astype(np.float32))[..., None]
        colour = object_colour(objects[i], region, rng)
        img[region] = img[region] * (1 - alpha) + colour * alpha
    img += rng.normal(0, 3.0, size=img.shape)
    labels = _paint_labels(masks, [o.depth for o in objects], height, width)
    centre = centre_samples(labels)
    depth = bg_depth.copy()
    for i, obj in enumerate(objects):
        depth[centre == i] = obj.depth
    depth_mm = np.round(depth * 1000).astype(np.uint16)
    return np.clip(np.round(img), 0, 255).astype(np.uint8), depth_mm, labels


def make_scene(rng: np.random.Generator, img_size: int) -> Scene:
    """Sample and render one ``img_size`` x ``img_size`` scene of 2-5
    objects."""
    bg, bg_name = background(rng, img_size, img_size)
    bg_depth = background_depth(rng, img_size, img_size)
    num = int(rng.integers(2, 6))
    layout = _Layout(img_size, img_size, min_side=min_side(img_size),
                     min_visible=0.7)
    objects = []
    # big objects first: they are the hardest to fit
    for obj in sorted(sample_objects(rng, num, img_size),
                      key=lambda o: -o.area):
        for _ in range(40):
            place(rng, obj, img_size, img_size)
            if layout.try_add(rasterize(obj.polygon(), img_size, img_size),
                              obj.depth):
                objects.append(obj)
                break
    image, depth, labels = render(objects, layout.masks, bg, rng, bg_depth)
    return Scene(objects, layout.masks, labels, image, depth, bg_name)
