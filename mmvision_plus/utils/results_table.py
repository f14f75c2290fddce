"""Markdown tables, README blocks and metafile results made from records.

Every measured number a README or metafile shows is computed here from the
results records (:mod:`mmvision_plus.utils.results_record`) of its config,
one per seed; nothing is typed by hand.

**Metrics** are named ``[SECTION:]KEY[@STEP]``:

* ``coco/bbox_mAP``: the key of the ``test`` section (tools/test.py);
* ``coco/bbox_mAP@4``: the key in the validation run during training at
  step 4 (the epoch, or the iteration for iteration-based loops);
* ``knn:20-NN top-1``: the key of the ``knn`` section (knn_eval.py);
* ``time:train`` (``time:test``, ``time:knn``): that section's wall time
  in seconds (give the column ``scale: 1/60`` for minutes).

**A row** is a config; its value in a column is the mean over the seeds
whose records hold all the row's metrics, shown as ``mean ± std`` with the
*sample* standard deviation (denominator n - 1) when n >= 2, and only the
mean when n = 1. A config without such a record is left out and named
under the table.

**README blocks** are delimited by HTML comments; the opening one holds
the block's arguments as JSON::

    <!-- results-table: siou-12e
    {"label_header": "box loss", "seeds": [0, 1, 2],
     "rows": [
      {"label": "GIoU (mmdet)",
       "config": "configs/siou/fcos_r18_fpn_giou_1xb8-12e_demo-world.py"}],
     "columns": [{"metric": "coco/bbox_mAP@4", "header": "mAP ep 4"},
                 "coco/bbox_mAP"],
     "curve": {"path": "configs/siou/results/siou_convergence.png",
               "metric": "coco/bbox_mAP"}}
    -->
    (generated text)
    <!-- /results-table -->

Spec keys: ``rows`` (``config``, optional ``label``, optional ``metrics``:
a list parallel to ``columns`` replacing a column's metric for that row,
``null`` keeping it, ``"-"`` for a number the row cannot have, e.g. the
training time of a test-only evaluation: shown as ``–``, not required of
its records), ``columns`` (metric strings or dicts with ``metric``,
``header``, ``digits``, ``scale``), ``seeds``, optional ``label_header``
(default ``config``), ``digits`` (default 3), ``results_dir`` (default:
``results/`` beside each config), ``curve`` (``path``, ``metric``,
optional ``title``, ``ylabel``, ``xlabel``) and ``layout``: ``"table"``
(default) or ``"zoo"`` (the model zoo: columns ``algorithm | config |
data | result``, every row with its own ``columns`` and a ``data`` text).
Paths are relative to the repository root.

**Which tables must be blocks** (:func:`unrecorded_tables`): every
markdown table under a heading that contains "result", "measured" or
"model zoo" (case-insensitive), at any depth below it, unless a heading on
the way contains "published" or "paper": published numbers live under such
a heading.

**Metafiles**: a ``Results`` entry whose ``Dataset`` contains "demo world"
is measured here; it is generated from the records of the model's
``Config`` (all seeds found) by :data:`MEASURED_METAFILE_METRICS`, and a
model without records has none.
"""
import glob
import json
import math
import os.path as osp
import re
import statistics
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from .results_record import config_key, default_record_path, load_record

#: Sections a metric may be read from (``time`` reads wall times).
METRIC_SECTIONS = ('test', 'knn', 'time')
#: Sections whose wall time ``time:<section>`` reads.
TIMED_SECTIONS = ('train', 'test', 'knn')
#: A row's ``metrics`` entry for a column the row has no number for.
NOT_APPLICABLE = '-'

#: Headers of common metrics (others show their key's last part).
READABLE_NAMES = {
    'coco/bbox_mAP': 'mAP',
    'coco/bbox_mAP_50': 'AP50',
    'coco/bbox_mAP_75': 'AP75',
    'coco/bbox_mAP_s': 'AP_s',
    'coco/bbox_mAP_m': 'AP_m',
    'coco/bbox_mAP_l': 'AP_l',
    'accuracy/top1': 'top-1',
    'accuracy/top5': 'top-5',
    'abs_rel': 'abs-rel',
    'rmse': 'RMSE',
    'delta1': 'delta<1.25',
}


@dataclass(frozen=True)
class MetricSpec:
    """Where a number lives in a record; see the module docstring.

    Args:
        section (str): One of :data:`METRIC_SECTIONS`.
        key (str): The metric name (for ``time``: a timed section).
        step (int, optional): Validation step during training.
    """

    section: str
    key: str
    step: Optional[int] = None

    @classmethod
    def parse(cls, text: str) -> 'MetricSpec':
        """``[SECTION:]KEY[@STEP]``; a ``ValueError`` names what is wrong.

        A metric name that itself contains ``@`` (``coco/AR@100``) writes it
        doubled: ``coco/AR@@100``; a single ``@`` starts the step.
        """
        section, key = 'test', text
        head, sep, tail = text.partition(':')
        if sep and head in METRIC_SECTIONS:
            section, key = head, tail
        match = re.fullmatch(r'((?:[^@]|@@)*)(?:@([^@]*))?', key)
        if match is None:
            raise ValueError(f'metric {text!r}: a literal "@" in a metric '
                             'name is written "@@"')
        key, step_text = match.group(1).replace('@@', '@'), match.group(2)
        step = None
        if step_text is not None:
            if not step_text.isdigit():
                raise ValueError(f'metric {text!r}: the step after "@" must '
                                 'be an integer (a literal "@" is "@@")')
            step = int(step_text)
            if section != 'test':
                raise ValueError(f'metric {text!r}: "@STEP" reads the '
                                 'validation during training, not the '
                                 f'{section!r} section')
        if not key:
            raise ValueError(f'metric {text!r}: no metric name')
        if section == 'time' and key not in TIMED_SECTIONS:
            raise ValueError(f'metric {text!r}: time of one of '
                             f'{TIMED_SECTIONS}')
        return cls(section, key, step)

    def __str__(self) -> str:
        prefix = '' if self.section == 'test' else f'{self.section}:'
        suffix = '' if self.step is None else f'@{self.step}'
        return f'{prefix}{self.key.replace("@", "@@")}{suffix}'

    @property
    def default_header(self) -> str:
        """A short column header."""
        if self.section == 'time':
            return f'{self.key} time (s)'
        name = READABLE_NAMES.get(self.key, self.key.split('/')[-1])
        return name if self.step is None else f'{name} @{self.step}'

    def value(self, record: dict) -> Optional[float]:
        """The number in ``record``, or None when it has none."""
        if self.section == 'time':
            section = record.get(self.key) or {}
            return section.get('wall_time_s')
        if self.step is not None:
            train = record.get('train') or {}
            for entry in train.get('val_metrics', []):
                if entry['step'] == self.step:
                    return entry['metrics'].get(self.key)
            return None
        section = record.get(self.section) or {}
        return (section.get('metrics') or {}).get(self.key)


@dataclass(frozen=True)
class Column:
    """A table column: a metric, its header and how it is printed.

    Args:
        metric (MetricSpec): The number.
        header (str): The column header.
        digits (int): Decimals printed.
        scale (float): Factor applied before printing (100: percent).
    """

    metric: MetricSpec
    header: str
    digits: int = 3
    scale: float = 1.0

    @classmethod
    def from_spec(cls, spec: Union[str, dict], digits: int = 3) -> 'Column':
        """From ``"METRIC[=HEADER]"`` or a dict (``metric``, ``header``,
        ``digits``, ``scale``)."""
        if isinstance(spec, str):
            metric_text, _, header = spec.partition('=')
            spec = dict(metric=metric_text, header=header or None)
        unknown = set(spec) - {'metric', 'header', 'digits', 'scale'}
        if unknown or 'metric' not in spec:
            raise ValueError(f'column {spec!r}: needs "metric", may have '
                             f'"header", "digits", "scale"; unknown: '
                             f'{sorted(unknown)}')
        metric = MetricSpec.parse(spec['metric'])
        scale = spec.get('scale', 1.0)
        if isinstance(scale, str):  # "1/60"
            numerator, _, denominator = scale.partition('/')
            scale = float(numerator) / float(denominator or 1)
        return cls(metric, spec.get('header') or metric.default_header,
                   int(spec.get('digits', digits)), float(scale))

    def format(self, values: Sequence[float]) -> str:
        """``mean ± sample std`` of ``values`` (the mean alone for one)."""
        scaled = [v * self.scale for v in values]
        text = f'{statistics.fmean(scaled):.{self.digits}f}'
        if len(scaled) > 1:
            text += f' ± {statistics.stdev(scaled):.{self.digits}f}'
        return text


@dataclass
class Row:
    """A table row: one config, its label and its columns.

    Args:
        config (str): The config file, relative to the repository root.
        label (str): The first cell.
        columns (list[Column | None]): Its metrics, one per table column;
            None where the row has no such number (:data:`NOT_APPLICABLE`).
        data (str): The ``data`` cell of the model-zoo layout.
    """

    config: str
    label: str
    columns: List[Optional[Column]]
    data: str = ''
    records: List[dict] = field(default_factory=list)
    incomplete_seeds: List[int] = field(default_factory=list)

    def values(self, column: Column) -> List[float]:
        """The column's numbers over the row's complete records."""
        return [column.metric.value(record) for record in self.records]


def load_row_records(row: Row, seeds: Sequence[int], root: str,
                     results_dir: Optional[str] = None) -> None:
    """Fill ``row.records`` with its seeds' records that hold every metric
    of the row (in seed order); seeds with a record lacking some go to
    ``row.incomplete_seeds``.

    Raises:
        ValueError: A record belongs to another config or seed than its
            file name says.
    """
    row.records, row.incomplete_seeds = [], []
    for seed in seeds:
        path = default_record_path(row.config, seed, results_dir)
        record = load_record(osp.join(root, path))
        if record is None:
            continue
        config = config_key(osp.join(root, row.config), root)
        if record.get('config') != config or record.get('seed') != seed:
            raise ValueError(
                f'results record {path} is of config {record.get("config")!r}'
                f' seed {record.get("seed")!r}, expected {config!r} '
                f'seed {seed}')
        if all(c.metric.value(record) is not None for c in row.columns
               if c is not None):
            row.records.append(record)
        else:
            row.incomplete_seeds.append(seed)


def _row_column(column: Column, metric: Optional[str]) -> Optional[Column]:
    """A table column as one row reads it: ``metric`` None keeps it,
    :data:`NOT_APPLICABLE` leaves the cell empty, another metric replaces
    the column's (same header and format)."""
    if metric is None:
        return column
    if metric == NOT_APPLICABLE:
        return None
    return Column(MetricSpec.parse(metric), column.header, column.digits,
                  column.scale)


def _cell(text: str) -> str:
    return text.replace('|', '\\|')


def _notes(rows: Sequence[Row], seeds: Sequence[int],
           results_dirs: Sequence[str]) -> List[str]:
    """Lines under a table: the statistic, the records, what is missing."""
    lines = []
    if any(row.records for row in rows):
        where = ', '.join(f'`{d}/`' for d in results_dirs)
        lines.append('Mean ± sample standard deviation (n - 1 in the '
                     'denominator) over the n seeds of each row, from the '
                     f'results records in {where}.')
    missing = list(dict.fromkeys(row.config for row in rows
                                 if not row.records))
    if missing:
        names = ', '.join(f'`{config}`' for config in missing)
        seed_list = ', '.join(str(s) for s in seeds)
        lines.append(f'No complete record yet (seeds {seed_list}) for '
                     f'{names}.')
    incomplete: Dict[str, set] = {}
    for row in rows:
        if row.incomplete_seeds:
            incomplete.setdefault(row.config, set()).update(
                row.incomplete_seeds)
    for config, seeds_left_out in incomplete.items():
        seed_list = ', '.join(str(s) for s in sorted(seeds_left_out))
        lines.append(f'Incomplete records (left out) of `{config}`: '
                     f'seeds {seed_list}.')
    return lines


def render_table(rows: Sequence[Row], columns: Sequence[Column],
                 label_header: str = 'config') -> str:
    """The markdown table of the rows that have records (no trailing
    newline); '' when none has."""
    shown = [row for row in rows if row.records]
    if not shown:
        return ''
    header = [label_header, 'seeds', *(c.header for c in columns)]
    lines = ['| ' + ' | '.join(_cell(h) for h in header) + ' |',
             '|---|---:|' + '---:|' * len(columns)]
    for row in shown:
        cells = [row.label, str(len(row.records))]
        cells += ['–' if c is None else c.format(row.values(c))
                  for c in row.columns]
        lines.append('| ' + ' | '.join(_cell(c) for c in cells) + ' |')
    return '\n'.join(lines)


def render_zoo(rows: Sequence[Row]) -> str:
    """The model-zoo table (algorithm | config | data | result) of the rows
    that have records; '' when none has."""
    shown = [row for row in rows if row.records]
    if not shown:
        return ''
    lines = ['| algorithm | config | data | result |', '|---|---|---|---|']
    for row in shown:
        n = len(row.records)
        result = ', '.join(f'{c.header} {c.format(row.values(c))}'
                           for c in row.columns)
        result += f' ({n} seed{"s" if n > 1 else ""})'
        cells = [row.label, f'`{row.config}`', row.data, result]
        lines.append('| ' + ' | '.join(_cell(c) for c in cells) + ' |')
    return '\n'.join(lines)


BLOCK_SPEC_KEYS = {'rows', 'columns', 'seeds', 'label_header', 'digits',
                   'results_dir', 'curve', 'layout'}


@dataclass
class Block:
    """A README results block, parsed from its spec (module docstring)."""

    name: str
    rows: List[Row]
    columns: List[Column]
    seeds: List[int]
    label_header: str = 'config'
    layout: str = 'table'
    results_dir: Optional[str] = None
    curve: Optional[dict] = None

    @classmethod
    def from_spec(cls, name: str, spec: dict) -> 'Block':
        """Check and parse a block spec; errors name the block and key."""
        where = f'results block {name!r}'
        unknown = set(spec) - BLOCK_SPEC_KEYS
        if unknown:
            raise ValueError(f'{where}: unknown keys {sorted(unknown)}; '
                             f'known: {sorted(BLOCK_SPEC_KEYS)}')
        for key in ('rows', 'seeds'):
            if not spec.get(key):
                raise ValueError(f'{where}: needs a non-empty {key!r}')
        layout = spec.get('layout', 'table')
        if layout not in ('table', 'zoo'):
            raise ValueError(f'{where}: layout must be "table" or "zoo", '
                             f'got {layout!r}')
        digits = spec.get('digits', 3)
        columns = [Column.from_spec(c, digits)
                   for c in spec.get('columns', [])]
        rows = []
        for row_spec in spec['rows']:
            if 'config' not in row_spec:
                raise ValueError(f'{where}: every row needs a "config"')
            config = row_spec['config']
            label = row_spec.get('label') or f'`{osp.basename(config)}`'
            if layout == 'zoo':
                row_columns = [Column.from_spec(c, digits)
                               for c in row_spec.get('columns', [])]
                if not row_columns:
                    raise ValueError(f'{where}: zoo row {config} needs '
                                     '"columns"')
            else:
                overrides = row_spec.get('metrics') or [None] * len(columns)
                if len(overrides) != len(columns):
                    raise ValueError(
                        f'{where}: row {config}: "metrics" has '
                        f'{len(overrides)} entries for {len(columns)} '
                        'columns')
                row_columns = [
                    _row_column(column, metric)
                    for column, metric in zip(columns, overrides)
                ]
            rows.append(Row(config, label, row_columns,
                            row_spec.get('data', '')))
        curve = spec.get('curve')
        if curve is not None and not {'path', 'metric'} <= set(curve):
            raise ValueError(f'{where}: "curve" needs "path" and "metric"')
        return cls(name, rows, columns, [int(s) for s in spec['seeds']],
                   spec.get('label_header', 'config'), layout,
                   spec.get('results_dir'), curve)

    def load(self, root: str) -> None:
        """Read the rows' records (``root``: the repository root)."""
        for row in self.rows:
            load_row_records(row, self.seeds, root, self.results_dir)

    def results_dirs(self) -> List[str]:
        """The folders the records come from, in row order."""
        dirs: List[str] = []
        for row in self.rows:
            path = osp.dirname(default_record_path(row.config, 0,
                                                   self.results_dir))
            if row.records and path not in dirs:
                dirs.append(path)
        return dirs

    def render(self, readme_dir: str, curve_drawn: bool) -> str:
        """The generated text between the block's markers.

        Args:
            readme_dir (str): The README's folder, relative to the root
                (for the curve's link).
            curve_drawn (bool): Whether the curve PNG has data (then the
                text links it).
        """
        table = (render_zoo(self.rows) if self.layout == 'zoo' else
                 render_table(self.rows, self.columns, self.label_header))
        parts = [table] if table else []
        if self.curve is not None and curve_drawn:
            link = osp.relpath(self.curve['path'], readme_dir or '.')
            title = self.curve.get('title') or curve_title(self.curve)
            parts.append(f'![{title}]({link})\n\n{title}: mean over seeds '
                         '(line) and min-max over seeds (band).')
        notes = _notes(self.rows, self.seeds, self.results_dirs())
        if notes:
            parts.append('\n'.join(notes))
        return '\n' + '\n\n'.join(parts) + '\n\n'


def curve_title(curve: dict) -> str:
    """The default title of a block's curve."""
    metric = MetricSpec.parse(curve['metric'])
    return f'{curve.get("ylabel") or metric.default_header} during training'


def curve_series(rows: Sequence[Row], metric: MetricSpec
                 ) -> List[Tuple[str, Dict[int, List[float]]]]:
    """Per row with records: its label and, per validation step that all
    its records reached, the metric's values over the seeds.

    Args:
        rows (Sequence[Row]): Rows with records loaded.
        metric (MetricSpec): A test-section metric (its key is looked up in
            the validation metrics).
    """
    series = []
    for row in rows:
        per_step: Dict[int, List[float]] = {}
        for record in row.records:
            for entry in (record.get('train') or {}).get('val_metrics', []):
                value = entry['metrics'].get(metric.key)
                if value is not None:
                    per_step.setdefault(entry['step'], []).append(value)
        complete = {step: values for step, values in per_step.items()
                    if len(values) == len(row.records)}
        if complete:
            series.append((row.label.strip('`'), dict(sorted(
                complete.items()))))
    return series


BLOCK_PATTERN = re.compile(
    r'(?P<head><!-- results-table: (?P<name>[A-Za-z0-9_.-]+)\n'
    r'(?P<spec>.*?)\n-->\n)(?P<body>.*?)(?P<tail><!-- /results-table -->)',
    re.S)


def parse_blocks(text: str, where: str = 'README') -> List[Block]:
    """The results blocks of a README text, in order.

    Raises:
        ValueError: A block spec is not valid JSON or not a valid spec.
    """
    blocks = []
    for match in BLOCK_PATTERN.finditer(text):
        try:
            spec = json.loads(match['spec'])
        except ValueError as error:
            raise ValueError(f'{where}: results block {match["name"]!r}: '
                             f'its spec is not valid JSON: {error}') from error
        blocks.append(Block.from_spec(match['name'], spec))
    opened = text.count('<!-- results-table:')
    if opened != len(blocks) or text.count('<!-- /results-table -->') != len(
            blocks):
        raise ValueError(f'{where}: {opened} results-table markers, '
                         f'{len(blocks)} well-formed blocks (each needs '
                         '"<!-- results-table: NAME", a JSON spec, "-->" '
                         'and "<!-- /results-table -->" on their own lines)')
    return blocks


def update_blocks(text: str, readme: str, root: str,
                  only: Optional[str] = None,
                  draw_curves: bool = True) -> str:
    """The README text with every block (or block ``only``) regenerated.

    Args:
        text (str): The README's text.
        readme (str): Its path relative to ``root`` (for links, messages).
        root (str): The repository root (configs and records are relative
            to it).
        only (str, optional): Regenerate only the block of this name.
        draw_curves (bool): Also (re)draw the blocks' curve PNGs.

    Returns:
        str: The new text.
    """
    blocks = {block.name: block for block in parse_blocks(text, readme)}
    if only is not None and only not in blocks:
        raise ValueError(f'{readme} has no results block {only!r}; it has '
                         f'{sorted(blocks)}')

    def replace(match: 're.Match') -> str:
        block = blocks[match['name']]
        if only is not None and block.name != only:
            return match[0]
        block.load(root)
        has_curve = False
        if block.curve is not None:
            series = curve_series(block.rows,
                                  MetricSpec.parse(block.curve['metric']))
            has_curve = bool(series)
            if has_curve and draw_curves:
                from .results_curve import draw_curve
                metric = MetricSpec.parse(block.curve['metric'])
                draw_curve(series, osp.join(root, block.curve['path']),
                           title=block.curve.get('title')
                           or curve_title(block.curve),
                           ylabel=block.curve.get('ylabel')
                           or metric.default_header,
                           xlabel=block.curve.get('xlabel', 'epoch'))
        body = block.render(osp.dirname(readme), has_curve)
        return match['head'] + body + match['tail']

    return BLOCK_PATTERN.sub(replace, text)


HEADING_PATTERN = re.compile(r'^(#{1,6})\s+(.*?)\s*#*\s*$')
RESULTS_HEADING = re.compile(r'result|measured|model zoo', re.I)
PUBLISHED_HEADING = re.compile(r'published|paper', re.I)


def unrecorded_tables(text: str) -> List[Tuple[int, str]]:
    """Markdown tables in results sections that are not generated blocks.

    See the module docstring for the rule.

    Returns:
        list[tuple[int, str]]: (1-based line number, heading path) of the
        first line of every such table.
    """
    inside_block = set()
    for match in BLOCK_PATTERN.finditer(text):
        first = text.count('\n', 0, match.start()) + 1
        last = text.count('\n', 0, match.end()) + 1
        inside_block.update(range(first, last + 1))
    headings: List[Tuple[int, str]] = []  # (level, text) of the path
    found = []
    in_fence = previous_was_table = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith('```'):
            in_fence = not in_fence
        heading = None if in_fence else HEADING_PATTERN.match(line)
        if heading:
            level = len(heading[1])
            headings = [h for h in headings if h[0] < level]
            headings.append((level, heading[2]))
        is_table = not in_fence and line.lstrip().startswith('|')
        if is_table and not previous_was_table and number not in inside_block:
            names = [h[1] for h in headings]
            if (any(RESULTS_HEADING.search(n) for n in names)
                    and not any(PUBLISHED_HEADING.search(n) for n in names)):
                found.append((number, ' > '.join(names)))
        previous_was_table = is_table
    return found


#: The metafile metrics of results measured here, per task:
#: (metafile name, record metric, scale, decimals).
MEASURED_METAFILE_METRICS: Tuple[Tuple[str, Tuple[Tuple[str, str, float,
                                                        int], ...]], ...] = (
    ('Object Detection', (('box AP', 'coco/bbox_mAP', 100, 1), )),
    ('Instance Segmentation', (('mask AP', 'coco/segm_mAP', 100, 1), )),
    ('Object Proposal', (('AR@100', 'coco/AR@@100', 100, 1), )),
    ('Referring Expression Comprehension',
     (('Accuracy@0.5', 'refexp/rec_accuracy', 100, 1), )),
    ('Referring Expression Segmentation', (
        ('mIoU', 'refexp/res_miou', 100, 1),
        ('cIoU', 'refexp/res_ciou', 100, 1),
    )),
    ('Video Instance Segmentation', (('AP', 'youtube_vis/segm_mAP', 100,
                                      1), )),
    ('Multi-Object Tracking', (
        ('HOTA', 'mot/HOTA', 100, 1),
        ('IDF1', 'mot/IDF1', 100, 1),
    )),
    ('Video Object Segmentation', (('J&F', 'vos/J&F', 100, 1), )),
    ('Interactive Segmentation', (
        ('mIoU@1', 'interactive/mIoU_1', 100, 1),
        ('NoC@85', 'interactive/NoC_85', 1, 2),
    )),
    ('Text-based Person Search',
     tuple((name, f'tbps/{name}', 1, 2)
           for name in ('R1', 'R5', 'R10', 'mAP', 'mINP'))),
    ('Image Classification', (
        ('Top 1 Accuracy', 'accuracy/top1', 1, 2),
        ('Top 1 Accuracy (20-NN)', 'knn:20-NN top-1', 1, 2),
    )),
    ('Semantic Segmentation', (('mIoU', 'mIoU', 1, 2), )),
    ('Depth Estimation', (
        ('RMSE', 'rmse', 1, 3),
        ('AbsRel', 'abs_rel', 1, 3),
        ('delta < 1.25', 'delta1', 1, 3),
    )),
    ('Image-Text Retrieval',
     tuple((f'{way} R@{k}', f'{way}/retrieval/R{k}', 1, 2)
           for way in ('t2i', 'i2t') for k in (1, 5, 10)) +
     (('R mean', 'r_mean', 1, 2), )),
    ('Image Captioning', (
        ('BLEU-4', 'caption/Bleu_4', 100, 1),
        ('CIDEr', 'caption/CIDEr', 100, 1),
    )),
)
#: The ``Dataset`` of metafile results measured on the demo world.
DEMO_WORLD_DATASET = 'Demo World'
MEASURED_DATASET = re.compile(r'demo world', re.I)


def config_records(config: str, root: str) -> List[dict]:
    """All records of a config in its default results folder, by seed."""
    pattern = default_record_path(config, 0).replace('_seed0.json',
                                                     '_seed*.json')
    records = [load_record(path)
               for path in glob.glob(osp.join(root, pattern))]
    return sorted((r for r in records if r.get('config') == config),
                  key=lambda r: r.get('seed'))


def measured_results(config: str, root: str) -> Optional[List[dict]]:
    """The metafile ``Results`` measured for a config, from its records.

    A metric appears when every record of the config has it (the mean over
    them, rounded); None when the config has no record or none of
    :data:`MEASURED_METAFILE_METRICS`.

    Raises:
        ValueError: Records that did not read the demo world (there is no
            dataset name for them).
    """
    records = config_records(config, root)
    if not records:
        return None
    results = []
    for task, metrics in MEASURED_METAFILE_METRICS:
        values = {}
        for name, metric_text, scale, digits in metrics:
            metric = MetricSpec.parse(metric_text)
            found = [metric.value(r) for r in records]
            if all(v is not None for v in found):
                values[name] = round(statistics.fmean(found) * scale, digits)
        if values:
            results.append(dict(Task=task, Dataset=DEMO_WORLD_DATASET,
                                Metrics=values))
    if not results:
        return None
    for record in records:
        for section in ('test', 'knn'):
            facts = record.get(section)
            if facts and not facts['environment']['demo_world']:
                raise ValueError(
                    f'records of {config} did not read the demo world; '
                    'metafile results measured elsewhere are not supported')
    return results


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, float):
        return 'nan' if math.isnan(value) else repr(value)
    return str(value)


def results_yaml(results: Optional[List[dict]], indent: int = 4) -> str:
    """The ``Results:`` lines of a metafile model entry."""
    pad = ' ' * indent
    if not results:
        return f'{pad}Results: null\n'
    lines = [f'{pad}Results:']
    for entry in results:
        lines.append(f'{pad}  - Task: {entry["Task"]}')
        lines.append(f'{pad}    Dataset: {entry["Dataset"]}')
        lines.append(f'{pad}    Metrics:')
        for name, value in entry['Metrics'].items():
            lines.append(f'{pad}      {name}: {_yaml_scalar(value)}')
    return '\n'.join(lines) + '\n'


def _measured_entries(results: Any) -> List[dict]:
    return [r for r in (results or [])
            if MEASURED_DATASET.search(str(r.get('Dataset', '')))]


def metafile_mismatches(text: str, root: str,
                        where: str = 'metafile') -> List[str]:
    """What differs between a metafile's measured results and the records.

    Returns:
        list[str]: One message per model whose measured ``Results`` are not
        the ones its records give (none when all agree).
    """
    import yaml
    problems = []
    for model in (yaml.safe_load(text) or {}).get('Models', []):
        config = model.get('Config')
        measured = _measured_entries(model.get('Results'))
        expected = measured_results(config, root) if config else None
        if measured != (expected or []):
            problems.append(
                f'{where}: model {model.get("Name")}: measured Results '
                f'{measured} but its records give {expected or []}')
    return problems


def update_metafile(text: str, root: str, where: str = 'metafile') -> str:
    """The metafile text with the measured ``Results`` of every model
    regenerated from its records (``Results: null`` without records).

    Raises:
        ValueError: A model mixes measured and published results (it would
            lose the published ones).
    """
    import yaml
    lines = text.splitlines(keepends=True)
    models = (yaml.safe_load(text) or {}).get('Models', [])
    for model in models:
        config = model.get('Config')
        results = model.get('Results')
        expected = measured_results(config, root) if config else None
        if _measured_entries(results) == (expected or []):
            continue
        if len(_measured_entries(results)) != len(results or []):
            raise ValueError(f'{where}: model {model["Name"]} mixes '
                             'measured and published Results; split them')
        lines = _replace_results(lines, model['Name'], results_yaml(expected),
                                 where)
    return ''.join(lines)


def _replace_results(lines: List[str], name: str, new: str,
                     where: str) -> List[str]:
    """Replace (or add) the ``Results:`` sub-block of model ``name``."""
    start = next((i for i, line in enumerate(lines)
                  if line.rstrip() == f'  - Name: {name}'), None)
    if start is None:
        raise ValueError(f'{where}: cannot find "  - Name: {name}"')
    end = start + 1
    while end < len(lines) and (lines[end].startswith('    ')
                                or not lines[end].strip()):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    first = next((i for i in range(start, end)
                  if lines[i].startswith('    Results:')), None)
    if first is None:
        weights = next((i for i in range(start, end)
                        if lines[i].startswith('    Weights:')), end)
        return lines[:weights] + [new] + lines[weights:]
    last = first + 1
    while last < end and (lines[last].startswith('     ')
                          or not lines[last].strip()):
        last += 1
    return lines[:first] + [new] + lines[last:]
