"""mmengine's ``forward(inputs, data_samples, mode)`` for models whose three
modes are methods of the same two arguments."""
from typing import Any, Optional

from mmengine.model import BaseModel

FORWARD_MODES = {
    'loss': 'loss',
    'predict': 'predict',
    'tensor': 'extract_feat'
}


def forward_by_mode(model: BaseModel, inputs: Any,
                    data_samples: Optional[list], mode: str) -> Any:
    """Call ``model.loss``, ``model.predict`` or ``model.extract_feat``
    (``mode`` ``'loss'``, ``'predict'``, ``'tensor'``) with ``(inputs,
    data_samples)``.

    Args:
        model (BaseModel): The model whose ``forward`` this is.
        inputs: The batch inputs, e.g. images (B, 3, H, W).
        data_samples (list, optional): The batch's data samples.
        mode (str): ``'loss'``, ``'predict'`` or ``'tensor'``.

    Returns:
        What the chosen method returns (losses dict, data samples,
        features).

    Raises:
        RuntimeError: Any other ``mode`` (naming the model's class).
    """
    if mode not in FORWARD_MODES:
        raise RuntimeError(f'{type(model).__name__}: invalid mode "{mode}"; '
                           'expected "loss", "predict" or "tensor"')
    return getattr(model, FORWARD_MODES[mode])(inputs, data_samples)
