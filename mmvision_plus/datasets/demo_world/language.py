"""Language of the demo world: scene captions, referring expressions and
identity descriptions.

Every text is built from the rendered geometry, so it is true of its image:
captions name colour, size, shape, position and relations of the objects
("a large red circle at the top left, above a small blue square");
referring expressions pick out one object uniquely within its image;
identity descriptions name every attribute of an identity.
"""
import re
from typing import Dict, List, Tuple

import numpy as np

from .geometry import SHAPE_CLASSES, masks_overlap
from .identities import surface_phrase
from .scenes import COLOURS, SIZE_CLASSES, Scene, SceneObject

_COUNT_WORDS = ('zero', 'one', 'two', 'three', 'four', 'five', 'six',
                'seven', 'eight')


#: Every word (and punctuation mark) a scene caption can contain, in a
#: fixed order: a closed vocabulary for word-level tokenizers of the
#: vision-language demos (``tests/test_datasets/test_demo_world.py``
#: checks that generated captions use nothing else).
SCENE_CAPTION_VOCABULARY: Tuple[str, ...] = (
    (',', ':', 'a', 'an', 'and', 'at', 'the', 'in', 'on', 'of', 'picture',
     'shape', 'shapes', 'background', 'partly', 'hidden', 'behind',
     'front', 'left', 'right', 'above', 'below', 'top', 'bottom', 'center',
     'dark', 'light', 'gradient', 'striped', 'mottled') + _COUNT_WORDS +
    SIZE_CLASSES + tuple(COLOURS) + SHAPE_CLASSES)


def tokens(text: str) -> List[str]:
    """Lower-case word tokens (hyphenated words stay whole)."""
    return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower())


def _position(obj: SceneObject, img_size: int) -> Tuple[str, str]:
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


def _relation(scene: Scene, a: int, b: int) -> str:
    """Spatial relation of object ``a`` to object ``b`` ("left of", ...)."""
    oa, ob = scene.objects[a], scene.objects[b]
    if masks_overlap(scene.amodal[a], scene.amodal[b]):
        return 'in front of' if oa.depth < ob.depth else 'behind'
    dx, dy = ob.cx - oa.cx, ob.cy - oa.cy
    if abs(dx) >= abs(dy):
        return 'left of' if dx > 0 else 'right of'
    return 'above' if dy > 0 else 'below'


def _noun(obj: SceneObject, size: bool = True, colour: bool = True) -> str:
    words = ([obj.size] if size else []) + ([obj.colour] if colour else [])
    return ' '.join(words + [obj.shape])


def _article(phrase: str) -> str:
    return ('an ' if phrase[0] in 'aeiou' else 'a ') + phrase


def _join(items: List[str]) -> str:
    return items[0] if len(items) == 1 else (', '.join(items[:-1]) +
                                             ' and ' + items[-1])


def scene_captions(scene: Scene, rng: np.random.Generator, img_size: int,
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


def referring_expressions(scene: Scene, idx: int,
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


def identity_captions(attrs: Dict[str, str], view: dict,
                      rng: np.random.Generator) -> List[str]:
    """Two captions of one identity view (all its attributes, varied
    wording).

    Args:
        attrs (dict[str, str]): The identity (see
            :func:`~.identities.sample_identity_attributes`).
        view (dict): ``angle`` (degrees) and ``background`` phrase of the
            view (see :func:`~.identities.render_identity`).
        rng (np.random.Generator): Picks two of the templates.
    """
    shape, colour, size = attrs['shape'], attrs['colour'], attrs['size']
    pattern = surface_phrase(attrs)
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
