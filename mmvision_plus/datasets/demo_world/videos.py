"""Short clips of moving objects (for tracking and video instance
segmentation).

A clip has 2-4 objects over a fixed background that move (bouncing off
the image borders), spin and grow or shrink from frame to frame and
occlude each other by depth; some enter late or leave early.
"""
import math
from dataclasses import dataclass
from typing import Iterator, Tuple

import numpy as np

from .geometry import MAX_ROTATION, SS, Mask, centre_samples, rasterize
from .scenes import (REFERENCE_SIZE, background, background_depth, place,
                     render, sample_objects)


@dataclass
class _Motion:
    """How one object moves through a clip."""
    velocity: np.ndarray  # (2, ) px per frame (x, y)
    spin: float  # degrees per frame
    grow: float  # relative area change per frame
    start: int  # first frame the object is in
    stop: int  # frame it has left (exclusive)
    area0: float  # area in frame 0 (px^2)


class Clip:
    """A clip, sampled at construction and rendered frame by frame.

    Args:
        rng (np.random.Generator): Draws the clip and its frames.
        img_size (int): Side of the frames (px).
        frame_range (tuple[int, int]): Min and max number of frames.
    """

    def __init__(self, rng: np.random.Generator, img_size: int,
                 frame_range: Tuple[int, int]) -> None:
        self.rng, self.img_size = rng, img_size
        self.length = int(rng.integers(frame_range[0], frame_range[1] + 1))
        self.background, _ = background(rng, img_size, img_size)
        self.background_depth = background_depth(rng, img_size, img_size)
        self.objects = sample_objects(rng, int(rng.integers(2, 5)), img_size,
                                      max_area_scale=0.6)
        speed = img_size / REFERENCE_SIZE
        length = self.length
        self.motion = []
        for obj in self.objects:
            place(rng, obj, img_size, img_size)
            heading = rng.uniform(0, 2 * np.pi)
            velocity = rng.uniform(1.5, 5.0) * speed * np.array(
                [math.cos(heading), math.sin(heading)])
            start = int(rng.integers(1, max(length // 3, 2))) \
                if rng.uniform() < 0.25 else 0
            stop = int(rng.integers(2 * length // 3, length)) \
                if rng.uniform() < 0.25 else length
            self.motion.append(_Motion(velocity, rng.uniform(-6, 6),
                                       rng.uniform(-0.015, 0.015), start,
                                       stop, obj.area))

    def frames(self) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
        """Render the frames in order (each frame draws its sensor noise
        and shading from the clip's generator).

        Yields:
            tuple: uint8 image (H, W, 3) and (H, W) int16 labels: index
            into :attr:`objects` of the object visible at each pixel
            centre, -1 for the background.
        """
        size = self.img_size
        for t in range(self.length):
            masks = []
            for obj, m in zip(self.objects, self.motion):
                obj.area = m.area0 * (1 + m.grow)**t
                masks.append(rasterize(obj.polygon(), size, size)
                             if m.start <= t < m.stop else
                             Mask(0, 0, np.zeros((SS, SS), bool)))
            image, _, labels = render(self.objects, masks, self.background,
                                      self.rng, self.background_depth)
            yield image, centre_samples(labels)
            self._step()

    def _step(self) -> None:
        """Move (bouncing off the borders) and spin every object."""
        for obj, m in zip(self.objects, self.motion):
            obj.angle += m.spin if MAX_ROTATION[obj.shape] else 0.0
            half_w, half_h = obj.extent()
            for axis, half in ((0, half_w), (1, half_h)):
                pos = (obj.cx, obj.cy)[axis] + m.velocity[axis]
                if pos - half < 0 or pos + half > self.img_size:
                    m.velocity[axis] *= -1
                    pos = float(np.clip(pos, half, self.img_size - half))
                if axis == 0:
                    obj.cx = pos
                else:
                    obj.cy = pos
