"""Training curves from results records: mean and band over seeds."""
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

from .atomic_io import atomic_write

#: One curve per config: its label and, per step, the values over seeds.
Series = Sequence[Tuple[str, Dict[int, List[float]]]]


def draw_curve(series: Series, path: str, title: str, ylabel: str,
               xlabel: str = 'epoch') -> None:
    """Draw metric-vs-step curves, mean line and min-max band, as a PNG.

    The output depends only on the data and the matplotlib version (Agg,
    no timestamp or version in the PNG's metadata), so drawing again from
    the same records gives the same file. matplotlib is imported here, on
    first use, so the rest of the package does not need it.

    Args:
        series: Per curve: label and ``{step: [value per seed]}``.
        path (str): The PNG to write (folders are created).
        title (str): The figure's title.
        ylabel (str): The y axis label.
        xlabel (str): The x axis label.
    """
    # A bare Figure renders with Agg and leaves pyplot's backend alone.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.0, 4.0), dpi=100)
    axes = figure.add_subplot()
    all_steps = set()
    for index, (label, per_step) in enumerate(series):
        steps = sorted(per_step)
        all_steps.update(steps)
        means = [sum(per_step[s]) / len(per_step[s]) for s in steps]
        colour = f'C{index}'
        seeds = max(len(values) for values in per_step.values())
        axes.plot(steps, means, marker='o', color=colour,
                  label=f'{label} (n={seeds})')
        axes.fill_between(steps, [min(per_step[s]) for s in steps],
                          [max(per_step[s]) for s in steps], color=colour,
                          alpha=0.2, linewidth=0)
    axes.set_xticks(sorted(all_steps))
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with atomic_write(path, 'wb') as file:
        figure.savefig(file, format='png', metadata={'Software': None})
