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

``locations`` lists the packages to import lazily the first time a registry
is queried, so building from a config never depends on what the user
happened to import.
"""
from mmdet.registry import DATA_SAMPLERS as MMDET_DATA_SAMPLERS
from mmdet.registry import DATASETS as MMDET_DATASETS
from mmdet.registry import EVALUATOR as MMDET_EVALUATOR
from mmdet.registry import HOOKS as MMDET_HOOKS
from mmdet.registry import LOOPS as MMDET_LOOPS
from mmdet.registry import METRICS as MMDET_METRICS
from mmdet.registry import MODEL_WRAPPERS as MMDET_MODEL_WRAPPERS
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.registry import OPTIM_WRAPPER_CONSTRUCTORS as \
    MMDET_OPTIM_WRAPPER_CONSTRUCTORS
from mmdet.registry import OPTIM_WRAPPERS as MMDET_OPTIM_WRAPPERS
from mmdet.registry import OPTIMIZERS as MMDET_OPTIMIZERS
from mmdet.registry import PARAM_SCHEDULERS as MMDET_PARAM_SCHEDULERS
from mmdet.registry import RUNNERS as MMDET_RUNNERS
from mmdet.registry import TASK_UTILS as MMDET_TASK_UTILS
from mmdet.registry import TRANSFORMS as MMDET_TRANSFORMS
from mmdet.registry import VISBACKENDS as MMDET_VISBACKENDS
from mmdet.registry import VISUALIZERS as MMDET_VISUALIZERS
from mmdet.registry import WEIGHT_INITIALIZERS as MMDET_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

SCOPE = 'mmvision_plus'

RUNNERS = Registry('runner', parent=MMDET_RUNNERS, scope=SCOPE,
                   locations=['mmvision_plus.engine'])
LOOPS = Registry('loop', parent=MMDET_LOOPS, scope=SCOPE,
                 locations=['mmvision_plus.engine'])
HOOKS = Registry('hook', parent=MMDET_HOOKS, scope=SCOPE,
                 locations=['mmvision_plus.engine'])
DATASETS = Registry('dataset', parent=MMDET_DATASETS, scope=SCOPE,
                    locations=['mmvision_plus.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=MMDET_DATA_SAMPLERS,
                         scope=SCOPE, locations=['mmvision_plus.datasets'])
TRANSFORMS = Registry('transform', parent=MMDET_TRANSFORMS, scope=SCOPE,
                      locations=['mmvision_plus.datasets'])
MODELS = Registry('model', parent=MMDET_MODELS, scope=SCOPE,
                  locations=['mmvision_plus.models'])
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMDET_MODEL_WRAPPERS,
                          scope=SCOPE, locations=['mmvision_plus.models'])
WEIGHT_INITIALIZERS = Registry('weight initializer',
                               parent=MMDET_WEIGHT_INITIALIZERS, scope=SCOPE,
                               locations=['mmvision_plus.models'])
OPTIMIZERS = Registry('optimizer', parent=MMDET_OPTIMIZERS, scope=SCOPE,
                      locations=['mmvision_plus.engine'])
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMDET_OPTIM_WRAPPERS,
                          scope=SCOPE, locations=['mmvision_plus.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=MMDET_OPTIM_WRAPPER_CONSTRUCTORS,
    scope=SCOPE, locations=['mmvision_plus.engine'])
PARAM_SCHEDULERS = Registry('parameter scheduler',
                            parent=MMDET_PARAM_SCHEDULERS, scope=SCOPE,
                            locations=['mmvision_plus.engine'])
METRICS = Registry('metric', parent=MMDET_METRICS, scope=SCOPE,
                   locations=['mmvision_plus.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMDET_EVALUATOR, scope=SCOPE,
                     locations=['mmvision_plus.evaluation'])
TASK_UTILS = Registry('task util', parent=MMDET_TASK_UTILS, scope=SCOPE,
                      locations=['mmvision_plus.models'])
VISUALIZERS = Registry('visualizer', parent=MMDET_VISUALIZERS, scope=SCOPE,
                       locations=['mmvision_plus.visualization'])
VISBACKENDS = Registry('vis_backend', parent=MMDET_VISBACKENDS, scope=SCOPE,
                       locations=['mmvision_plus.visualization'])


def _expose_to_root_registries() -> None:
    """Make ``mmvision_plus.Xxx`` resolvable from every OpenMMLab scope.

    mmengine resolves a scope prefix (``type='mmvision_plus.DINOv2ViT'``)
    only among the *direct* children of its root registries, and ours hang
    under mmdet's. Listing them there too lets an mmpretrain-scoped config
    name our modules; the parent (lookup fallback) stays mmdet's.
    """
    for registry in (RUNNERS, LOOPS, HOOKS, DATASETS, DATA_SAMPLERS,
                     TRANSFORMS, MODELS, MODEL_WRAPPERS, WEIGHT_INITIALIZERS,
                     OPTIMIZERS, OPTIM_WRAPPERS, OPTIM_WRAPPER_CONSTRUCTORS,
                     PARAM_SCHEDULERS, METRICS, EVALUATOR, TASK_UTILS,
                     VISUALIZERS, VISBACKENDS):
        root = registry.parent.parent
        root._children.setdefault(SCOPE, registry)


_expose_to_root_registries()
