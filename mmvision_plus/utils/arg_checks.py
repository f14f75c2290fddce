"""Range checks of constructor arguments with one error wording.

Modules validate their numeric arguments when they are built, so a bad
config fails at once with a message that names the class, the argument,
the allowed range and the value given, instead of failing later inside a
forward pass.
"""
from numbers import Real
from typing import Optional, TypeVar

Number = TypeVar('Number', bound=Real)


def check_range(value: Number,
                owner: str,
                argument: str,
                low: Optional[Real] = None,
                high: Optional[Real] = None,
                low_open: bool = False) -> Number:
    """Validate that a number lies in a range.

    Args:
        value (Real): The value to check.
        owner (str): Name of the class (or function) taking the argument,
            for the error message.
        argument (str): Name of the argument, for the error message.
        low (Real, optional): Lower bound; None for none. Defaults to None.
        high (Real, optional): Upper bound, inclusive; None for none.
            Defaults to None.
        low_open (bool): Whether ``low`` itself is excluded
            (``value > low``) rather than allowed (``value >= low``).
            Defaults to False.

    Returns:
        Real: ``value``, unchanged.

    Raises:
        ValueError: If ``value`` is outside the range; the message names
            ``owner``, ``argument``, the range and the value, e.g.
            ``'DINOv2ViT: frozen_stages must be in [-1, 12], got 13'``.
    """
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and value > high
    if not (below or above):
        return value
    if low is not None and high is not None:
        bracket = '(' if low_open else '['
        allowed = f'in {bracket}{low}, {high}]'
    elif low is not None:
        allowed = f'{">" if low_open else ">="} {low}'
    else:
        allowed = f'<= {high}'
    raise ValueError(f'{owner}: {argument} must be {allowed}, got {value}')
