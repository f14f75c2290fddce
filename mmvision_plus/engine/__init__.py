from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
from .interactive_seg_loops import (InteractiveSegTestLoop,
                                    InteractiveSegValLoop, simulate_clicks)
