"""mmvision_plus registries.

Every registry here is a child of MMDetection's registry of the same kind
(which are themselves children of MMEngine's root registries), in the scope
``mmvision_plus``. With ``default_scope='mmvision_plus'`` a config can name

* our modules directly (``type='PaperSIoULoss'``),
* mmdet modules directly (``type='RetinaNet'``): a miss in our registry
  falls back to the parent,
* mmpretrain (or any other OpenMMLab scope) modules with a scope prefix
  (``type='mmpretrain.VisionTransformer'``).

No name registered here repeats one of mmdet's, mmpretrain's or mmengine's
registry of the same kind (``tests/test_registry.py`` checks it): a class
that behaves differently from an upstream one has a name of its own
(``StrictCocoDataset``, ``StrictLoadImageFromFile``, ``ExtendedFocalLoss``,
``PaperSIoULoss``). A ``type=`` therefore never means our class in one
config and mmdet's in another depending on the bases it inherits; from
another scope (inside a model taken from an ``mmdet::`` base, or in an
mmpretrain config) ours are named ``mmvision_plus.Xxx``.

Each registry imports its subpackage lazily the first time it is queried
(``locations``, see :func:`_child`), so building from a config never
depends on what the user happened to import.
"""
from mmdet import registry as mmdet_registry
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import Registry

SCOPE = 'mmvision_plus'


def _child(name: str, parent: Registry, package: str) -> Registry:
    """Our registry of kind ``name``: a child of mmdet's ``parent``.

    It imports ``mmvision_plus.<package>`` the first time it is queried.
    It is also listed among the children of the root registry (mmengine's,
    ``parent.parent``): mmengine resolves a scope prefix
    (``type='mmvision_plus.DINOv2ViT'``) only among the *direct* children of
    its root registries, and ours hang under mmdet's, so this lets an
    mmpretrain-scoped config name our modules; the lookup fallback stays
    mmdet's.

    Args:
        name (str): Registry name (mmdet's for the same kind).
        parent (Registry): mmdet's registry of the same kind.
        package (str): Subpackage of ``mmvision_plus`` holding the modules.

    Returns:
        Registry: The new registry, scope ``mmvision_plus``.
    """
    registry = Registry(name, parent=parent, scope=SCOPE,
                        locations=[f'{SCOPE}.{package}'])
    root = parent.parent if parent.parent is not None else parent
    root._children.setdefault(SCOPE, registry)
    return registry


RUNNERS = _child('runner', mmdet_registry.RUNNERS, 'engine')
LOOPS = _child('loop', mmdet_registry.LOOPS, 'engine')
HOOKS = _child('hook', mmdet_registry.HOOKS, 'engine')
DATASETS = _child('dataset', mmdet_registry.DATASETS, 'datasets')
DATA_SAMPLERS = _child('data sampler', mmdet_registry.DATA_SAMPLERS,
                       'datasets')
# mmdet has no FUNCTIONS registry: ours hangs directly under mmengine's
# root. Collate functions need the scope prefix (mmengine's Runner looks
# them up in the root registry):
# ``collate_fn=dict(type='mmvision_plus.dinov2_collate')``.
FUNCTIONS = _child('function', MMENGINE_FUNCTIONS, 'datasets')
TRANSFORMS = _child('transform', mmdet_registry.TRANSFORMS, 'datasets')
MODELS = _child('model', mmdet_registry.MODELS, 'models')
MODEL_WRAPPERS = _child('model_wrapper', mmdet_registry.MODEL_WRAPPERS,
                        'models')
WEIGHT_INITIALIZERS = _child('weight initializer',
                             mmdet_registry.WEIGHT_INITIALIZERS, 'models')
OPTIMIZERS = _child('optimizer', mmdet_registry.OPTIMIZERS, 'engine')
OPTIM_WRAPPERS = _child('optim_wrapper', mmdet_registry.OPTIM_WRAPPERS,
                        'engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    'optimizer wrapper constructor',
    mmdet_registry.OPTIM_WRAPPER_CONSTRUCTORS, 'engine')
PARAM_SCHEDULERS = _child('parameter scheduler',
                          mmdet_registry.PARAM_SCHEDULERS, 'engine')
METRICS = _child('metric', mmdet_registry.METRICS, 'evaluation')
EVALUATOR = _child('evaluator', mmdet_registry.EVALUATOR, 'evaluation')
TASK_UTILS = _child('task util', mmdet_registry.TASK_UTILS, 'models')
VISUALIZERS = _child('visualizer', mmdet_registry.VISUALIZERS,
                     'visualization')
VISBACKENDS = _child('vis_backend', mmdet_registry.VISBACKENDS,
                     'visualization')
