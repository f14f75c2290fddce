"""Person-search identities: attribute combinations and their views.

An identity is one shape with fixed shape, colour, pattern, pattern colour
(``colour2``) and size class, rendered in several poses, scales, positions
and backgrounds at person-like aspect. Single attributes are shared by
many identities; only their combination is unique. Each pattern is drawn
(:func:`_pattern_mask`) and named (:func:`surface_phrase`) here, so a new
attribute changes this module only.
"""
import math
from typing import Dict, List, Optional, Tuple

import numpy as np
from PIL import Image, ImageDraw

from .geometry import (MAX_ROTATION, SHAPE_CLASSES, SS, UNIT_SHAPES,
                       block_mean, rasterize, rotate)
from .scenes import (COLOURS, SIZE_CLASSES, SceneObject, background,
                     object_colour)
from .seeding import stream_rng

#: Surface patterns of the identities.
PATTERNS = ('plain', 'horizontal stripes', 'vertical stripes', 'dots',
            'two-tone', 'border')
#: Attributes that define an identity, in the order they are combined.
ATTRIBUTE_KEYS = ('shape', 'colour', 'colour2', 'pattern', 'size')
# how a pattern is described, ``{c}`` being the pattern colour
_PATTERN_PHRASES = {
    'plain': None,
    'horizontal stripes': '{c} horizontal stripes',
    'vertical stripes': '{c} vertical stripes',
    'dots': '{c} dots',
    'two-tone': 'a {c} lower half',
    'border': 'a {c} border',
}
# width of the shape as a fraction of the image width, per size class
_WIDTH_FRACTIONS = {'small': (0.45, 0.55), 'medium': (0.62, 0.72),
                    'large': (0.8, 0.92)}


def sample_identity_attributes(seed: int, num: int) -> List[Dict[str, str]]:
    """Distinct (shape, colour, pattern colour, pattern, size) tuples.

    Args:
        seed (int): Seed of the world.
        num (int): Number of identities.

    Returns:
        list[dict[str, str]]: ``num`` dicts with keys
        :data:`ATTRIBUTE_KEYS`.
    """
    colours = list(COLOURS)
    combos = [(s, c, c2, p, z) for s in SHAPE_CLASSES for c in colours
              for c2 in colours if c2 != c for p in PATTERNS
              for z in SIZE_CLASSES]
    if num > len(combos):
        raise ValueError(f'num_identities={num} exceeds the {len(combos)} '
                         'distinct attribute combinations')
    rng = stream_rng(seed, 'identities')
    picks = rng.choice(len(combos), size=num, replace=False)
    return [dict(zip(ATTRIBUTE_KEYS, combos[int(k)])) for k in picks]


def surface_phrase(attrs: Dict[str, str]) -> Optional[str]:
    """Words for the identity's pattern ("red vertical stripes"), None for
    a plain surface."""
    phrase = _PATTERN_PHRASES[attrs['pattern']]
    return None if phrase is None else phrase.format(c=attrs['colour2'])


def _pattern_mask(pattern: str, u: np.ndarray, v: np.ndarray,
                  inner: np.ndarray) -> np.ndarray:
    """Where the second colour goes.

    Args:
        pattern (str): One of :data:`PATTERNS`.
        u (np.ndarray): (h, w) object coordinate along the shape's width.
        v (np.ndarray): (h, w) object coordinate along its height.
        inner (np.ndarray): (h, w) bool, inside the shrunken outline.

    Returns:
        np.ndarray: (h, w) bool.
    """
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


def render_identity(attrs: Dict[str, str], rng: np.random.Generator,
                    height: int, width: int) -> Tuple[np.ndarray, dict]:
    """One view of an identity.

    Args:
        attrs (dict[str, str]): The identity (see
            :func:`sample_identity_attributes`).
        rng (np.random.Generator): Draws the view.
        height (int): Image height (px).
        width (int): Image width (px).

    Returns:
        tuple: uint8 image (height, width, 3) and the view's details
        (``angle`` in degrees, ``background`` phrase).
    """
    bg, bg_name = background(rng, height, width)
    img = bg
    # clutter: part of another shape at the image border
    if rng.uniform() < 0.3:
        other = SceneObject(
            SHAPE_CLASSES[int(rng.integers(len(SHAPE_CLASSES)))],
            list(COLOURS)[int(rng.integers(len(COLOURS)))], 'small',
            (0.35 * width)**2, rng.uniform(0, 90), 9.0, 1.0,
            float(rng.choice([0, width])), rng.uniform(0, height))
        mask = rasterize(other.polygon(), height, width)
        region = mask.pixel_region
        alpha = block_mean(mask.data.astype(np.float32))[..., None]
        img[region] = img[region] * (1 - alpha) + object_colour(
            other, region, rng) * alpha
    frac = _WIDTH_FRACTIONS[attrs['size']]
    angle = rng.uniform(-30, 30) if MAX_ROTATION[attrs['shape']] else 0.0
    unit = rotate(UNIT_SHAPES[attrs['shape']], angle)
    unit_w = unit[:, 0].max() - unit[:, 0].min()
    unit_h = unit[:, 1].max() - unit[:, 1].min()
    side = rng.uniform(*frac) * width / unit_w
    side = min(side, 0.9 * height / unit_h)
    half_w, half_h = unit_w * side / 2, unit_h * side / 2
    cx = width / 2 + rng.uniform(-1, 1) * max(width / 2 - half_w - 1, 0)
    cy = height / 2 + rng.uniform(-1, 1) * max(height / 2 - half_h - 1, 0)
    poly = unit * side + [cx, cy]
    mask = rasterize(poly, height, width)
    # the inner outline, on the same crop as ``mask`` (for 'border')
    inner = Image.new('L', mask.data.shape[::-1], 0)
    inner_poly = (rotate(UNIT_SHAPES[attrs['shape']] * 0.65 * side, angle) +
                  [cx - mask.x0, cy - mask.y0]) * SS - 0.5
    ImageDraw.Draw(inner).polygon([tuple(p) for p in inner_poly.tolist()],
                                  fill=1)
    rows, cols = mask.region
    ys, xs = (np.mgrid[rows, cols].astype(np.float64) + 0.5) / SS
    a = math.radians(angle)
    du, dv = xs - cx, ys - cy
    u = (du * math.cos(a) + dv * math.sin(a)) / side
    v = (-du * math.sin(a) + dv * math.cos(a)) / side
    second = _pattern_mask(attrs['pattern'], u, v,
                           np.asarray(inner, dtype=bool))
    brightness = rng.uniform(0.88, 1.08)
    layer = np.where(second[..., None], np.array(COLOURS[attrs['colour2']]),
                     np.array(COLOURS[attrs['colour']])) * brightness
    premult = block_mean(layer * mask.data[..., None])
    alpha = block_mean(mask.data.astype(np.float64))[..., None]
    region = mask.pixel_region
    img[region] = img[region] * (1 - alpha) + np.clip(premult, 0, 255)
    img += rng.normal(0, 3.0, size=img.shape)
    image = np.clip(np.round(img), 0, 255).astype(np.uint8)
    return image, dict(angle=angle, background=bg_name)
