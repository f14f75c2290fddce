"""Every public name of mmvision_plus means one thing: no package lists a
name twice in ``__all__`` (the later import would silently win) and no two
packages export different objects under one name."""
import collections
import importlib
import pkgutil

import mmvision_plus


def _exporting_modules():
    for info in pkgutil.walk_packages(mmvision_plus.__path__,
                                      'mmvision_plus.'):
        module = importlib.import_module(info.name)
        if getattr(module, '__all__', None):
            yield module


def test_exported_names_are_unique():
    listed_twice = []
    objects = collections.defaultdict(dict)
    for module in _exporting_modules():
        counts = collections.Counter(module.__all__)
        listed_twice += [(module.__name__, name)
                         for name, count in counts.items() if count > 1]
        for name in module.__all__:
            obj = getattr(module, name)
            objects[name][id(obj)] = module.__name__
    assert not listed_twice
    ambiguous = {name: sorted(owners.values())
                 for name, owners in objects.items() if len(owners) > 1}
    assert not ambiguous
