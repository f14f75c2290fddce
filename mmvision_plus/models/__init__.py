from .backbones import *  # noqa: F401,F403
from .dense_predictors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .language import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .multimodal import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .retrievers import *  # noqa: F401,F403
