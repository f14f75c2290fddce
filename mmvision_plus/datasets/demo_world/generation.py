"""Entry points: :func:`generate_demo_world` and :func:`ensure_demo_world`."""
import inspect
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Union

from .storage import read_marker, staged_directory, write_marker
from .versions import COMPONENTS, FORMAT_VERSION, GENERATOR
from .writers import SCENE_PARTS, write_pedes, write_scenes, write_videos


def _normalise_only(only: Union[None, str, Iterable[str]]) -> List[str]:
    """Requested parts, in :data:`COMPONENTS` order."""
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
    counts: Dict[str, int] = {}
    with staged_directory(out_dir) as tmp:
        if SCENE_PARTS & set(parts):
            t0 = time.time()
            counts.update(write_scenes(tmp, seed, set(parts), num_train,
                                       num_val, img_size, captions_per_image,
                                       crop_size))
            say(f'scenes: {num_train} train + {num_val} val, '
                f'{counts["objects"]} objects ({time.time() - t0:.1f} s)')
        if 'pedes' in parts:
            t0 = time.time()
            counts['pedes_images'] = write_pedes(
                tmp, seed, num_identities, tuple(images_per_identity),
                tuple(pedes_size))
            say(f'pedes: {num_identities} identities, '
                f'{counts["pedes_images"]} images ({time.time() - t0:.1f} s)')
        if 'videos' in parts:
            t0 = time.time()
            counts['video_frames'] = write_videos(
                tmp, seed, img_size, num_videos, num_val_videos,
                tuple(video_frames))
            say(f'videos: {num_videos} train + {num_val_videos} valid, '
                f'{counts["video_frames"]} frames ({time.time() - t0:.1f} s)')
        write_marker(tmp, dict(generator=GENERATOR,
                               format_version=FORMAT_VERSION, args=args,
                               parts=parts, counts=counts))
    return out_dir


def ensure_demo_world(out_dir: Union[str, Path], **kwargs) -> Path:
    """Generate the demo world unless ``out_dir`` already holds it.

    The world is reused when its ``DONE`` marker records the same
    format version (:data:`~.versions.FORMAT_VERSION`, raised whenever the
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
