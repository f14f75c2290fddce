"""Every measured number of the READMEs and metafiles comes from a record.

* the results blocks of README.md and configs/*/README.md are what the
  committed records give, and no results table lives outside a block;
* the metafiles' measured results equal the records;
* the table maths (mean, sample std, n), the block round trip, the curve
  and run_table.py itself, on hand-made records and the toy Runner.
"""
import glob
import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys

import pytest

from mmvision_plus.utils.results_record import (RECORD_FORMAT_VERSION,
                                                default_record_path,
                                                load_record)
from mmvision_plus.utils.results_table import (Column, MetricSpec,
                                               measured_results,
                                               metafile_mismatches,
                                               unrecorded_tables,
                                               update_blocks,
                                               update_metafile)
from tests.conftest import REPO_ROOT
from tests.test_utils import toy_runner

READMES = sorted([osp.join(REPO_ROOT, 'README.md'),
                  *glob.glob(osp.join(REPO_ROOT, 'configs', '*',
                                      'README.md'))])
METAFILES = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', '*',
                                      'metafile.yml')))
RUN_TABLE = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'run_table.py')


def read(path):
    with open(path) as file:
        return file.read()


@pytest.mark.parametrize('readme', READMES,
                         ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_readme_blocks_are_the_records(readme):
    text = read(readme)
    name = osp.relpath(readme, REPO_ROOT)
    assert update_blocks(text, name, REPO_ROOT, draw_curves=False) == text, (
        f'{name}: regenerate with tools/analysis_tools/run_table.py '
        f'--update-readme {name}')


@pytest.mark.parametrize('readme', READMES,
                         ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_readme_results_tables_are_generated(readme):
    assert unrecorded_tables(read(readme)) == []


def test_readme_curves_exist():
    """A block that shows a curve links a committed PNG."""
    for readme in READMES:
        for link in re.findall(r'!\[[^]]*\]\(([^)]+\.png)\)',
                               read(readme)):
            assert osp.isfile(osp.join(osp.dirname(readme), link)), link


@pytest.mark.parametrize('metafile', METAFILES,
                         ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_metafile_results_are_the_records(metafile):
    assert metafile_mismatches(read(metafile), REPO_ROOT, metafile) == []


def test_model_index_imports_every_metafile():
    import yaml
    index = yaml.safe_load(read(osp.join(REPO_ROOT, 'model-index.yml')))
    assert sorted(index['Import']) == [
        osp.relpath(m, REPO_ROOT) for m in METAFILES]


def test_committed_records_are_readable():
    paths = glob.glob(osp.join(REPO_ROOT, 'configs', '*', 'results',
                               '*.json'))
    assert paths
    for path in paths:
        record = load_record(path)
        if 'tool' in record:
            # A tool run (benchmark, curation, caption baseline): its
            # command and facts, and at least one result entry.
            assert record['tool']['command'].startswith('python '), path
            assert record['tool']['environment']['packages'], path
            assert set(record) - {'format_version', 'tool'}, path
            continue
        assert default_record_path(record['config'], record['seed']) == \
            osp.relpath(path, REPO_ROOT)
        # A run record: tested, or (pretraining without evaluation) a
        # finished training.
        assert (record.get('test') or {}).get('metrics') or \
            record['train']['finished'], path


# --- the rule for results tables -------------------------------------------

RULE_TEXT = '''# Title

| a | b |
|---|---|
| intro table | fine |

## Results on the demo world

| model | mAP |
|---|---|
| typed by hand | 0.5 |

<!-- results-table: ok
{"rows": [{"config": "c.py"}], "seeds": [0]}
-->

| config | seeds | mAP |
|---|---:|---:|
| generated | 1 | 0.5 |
<!-- /results-table -->

### Published numbers (paper)

| model | mAP |
|---|---|
| paper | 0.9 |

### Our runs

```
| not | a table |
```

| again | typed |
|---|---|

## Speed

| loss | ms |
|---|---|
| x | 1 |
'''


def test_unrecorded_tables_rule():
    found = unrecorded_tables(RULE_TEXT)
    assert found == [(9, 'Title > Results on the demo world'),
                     (34, 'Title > Results on the demo world > Our runs')]


# --- hand-made records -----------------------------------------------------


def make_record(root, config, seed, test=None, val=(), knn=None,
                demo_world=True):
    """Write a minimal record of ``config`` (relative to ``root``)."""
    session = dict(environment=dict(demo_world=[{'seed': 0}] if demo_world
                                    else []), wall_time_s=60.0 * (seed + 1))
    record = dict(format_version=RECORD_FORMAT_VERSION, config=config,
                  seed=seed, deterministic=False)
    record['train'] = dict(
        session, finished=True, by_epoch=True,
        val_metrics=[dict(epoch=step, iter=10 * step, step=step,
                          metrics=metrics) for step, metrics in val])
    if test is not None:
        record['test'] = dict(session, metrics=test)
    if knn is not None:
        record['knn'] = dict(session, metrics=knn)
    path = osp.join(root, default_record_path(config, seed))
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as file:
        json.dump(record, file)
    return path


A = 'configs/algo/a_1xb8-12e_demo-world.py'
B = 'configs/algo/b_1xb8-12e_demo-world.py'
C = 'configs/algo/c_never-run.py'
A_MAP = [0.1, 0.2, 0.4]


@pytest.fixture
def records(tmp_path):
    root = str(tmp_path)
    for seed, value in enumerate(A_MAP):
        make_record(root, A, seed, test={'coco/bbox_mAP': value,
                                         'coco/bbox_mAP_50': value * 2},
                    val=[(4, {'coco/bbox_mAP': value / 2}),
                         (8, {'coco/bbox_mAP': value})],
                    knn={'20-NN top-1': 10.0 + seed})
    make_record(root, B, 0, test={'coco/bbox_mAP': 0.25,
                                  'coco/bbox_mAP_50': 0.5},
                val=[(4, {'coco/bbox_mAP': 0.2})])
    make_record(root, B, 1, test={'coco/bbox_mAP_50': 0.5})  # no mAP
    return root


def block(spec, body='stale text\n'):
    return ('before\n<!-- results-table: t\n' + json.dumps(spec, indent=1)
            + '\n-->\n' + body + '<!-- /results-table -->\nafter\n')


SPEC = dict(label_header='model', seeds=[0, 1, 2],
            rows=[dict(config=A, label='A'), dict(config=B, label='B'),
                  dict(config=C, label='C')],
            columns=[dict(metric='coco/bbox_mAP@4', header='mAP ep 4'),
                     'coco/bbox_mAP', dict(metric='time:train',
                                           header='min', scale='1/60',
                                           digits=1)])


def test_table_mean_sample_std_and_n(records):
    text = update_blocks(block(SPEC), 'README.md', records)
    mean, std = statistics.fmean(A_MAP), statistics.stdev(A_MAP)
    assert f'{std:.3f}' == '0.153'  # sample std; the population's is 0.125
    assert (f'| A | 3 | 0.117 ± 0.076 | {mean:.3f} ± {std:.3f} | '
            '2.0 ± 1.0 |') in text
    # B: seed 1 lacks the test mAP, so B is seed 0 alone (no ±).
    assert '| B | 1 | 0.200 | 0.250 | 1.0 |' in text
    assert '| model | seeds | mAP ep 4 | mAP | min |' in text
    assert 'No complete record yet (seeds 0, 1, 2) for `' + C + '`' in text
    assert 'Incomplete records (left out) of `' + B + '`: seeds 1.' in text
    assert 'sample standard deviation (n - 1' in text
    assert text.startswith('before\n') and text.endswith('after\n')
    assert 'stale text' not in text


def test_block_round_trip_and_record_change(records):
    text = update_blocks(block(SPEC), 'README.md', records)
    assert update_blocks(text, 'README.md', records) == text
    make_record(records, A, 2, test={'coco/bbox_mAP': 0.7,
                                     'coco/bbox_mAP_50': 1.4},
                val=[(4, {'coco/bbox_mAP': 0.35})])
    changed = update_blocks(text, 'README.md', records)
    assert changed != text and '| A | 3 | 0.167 ± 0.161 | 0.333 ± ' in changed


def test_block_without_records_shows_no_number(tmp_path):
    spec = dict(SPEC, rows=[dict(config=C, label='C')])
    text = update_blocks(block(spec), 'README.md', str(tmp_path))
    body = text.split('-->\n', 1)[1].split('<!-- /results-table')[0]
    assert '|' not in body and 'No complete record yet' in body


def test_per_row_metrics_knn_and_zoo(records):
    spec = dict(seeds=[0, 1, 2], columns=[dict(metric='coco/bbox_mAP',
                                               header='score')],
                rows=[dict(config=A, label='det'),
                      dict(config=A, label='k-NN',
                           metrics=['knn:20-NN top-1'])])
    text = update_blocks(block(spec), 'README.md', records)
    assert '| k-NN | 3 | 11.000 ± 1.000 |' in text
    zoo = dict(layout='zoo', seeds=[0, 1, 2], rows=[
        dict(config=A, label='A det', data='demo world val',
             columns=[dict(metric='coco/bbox_mAP', header='box mAP'),
                      dict(metric='coco/bbox_mAP_50', header='AP50')]),
        dict(config=C, label='never', data='x',
             columns=['coco/bbox_mAP'])])
    text = update_blocks(block(zoo), 'README.md', records)
    assert ('| A det | `' + A + '` | demo world val | box mAP 0.233 ± 0.153, '
            'AP50 0.467 ± 0.306 (3 seeds) |') in text
    assert '| never |' not in text


def test_not_applicable_cell_of_a_test_only_row(records):
    """A row's "-" metric leaves its cell empty and is not required of the
    record: a test-only evaluation (no training time) is tabulated."""
    test_only = 'configs/algo/d_test-only.py'
    path = make_record(records, test_only, 0,
                       test={'coco/bbox_mAP': 0.3})
    with open(path) as file:
        record = json.load(file)
    del record['train']
    with open(path, 'w') as file:
        json.dump(record, file)
    columns = ['coco/bbox_mAP', dict(metric='time:train', header='min',
                                     scale='1/60', digits=1)]
    spec = dict(seeds=[0], columns=columns, rows=[
        dict(config=A, label='trained'),
        dict(config=test_only, label='test only', metrics=[None, '-'])])
    text = update_blocks(block(spec), 'README.md', records)
    assert '| trained | 1 | 0.100 | 1.0 |' in text
    assert '| test only | 1 | 0.300 | – |' in text
    assert 'Incomplete' not in text
    # without the "-" the record lacks the training time: left out
    spec['rows'][1]['metrics'] = None
    text = update_blocks(block(spec), 'README.md', records)
    assert '| test only |' not in text
    assert 'Incomplete records (left out) of `' + test_only in text


def test_curve_is_drawn_deterministically(records):
    png = 'configs/algo/results/curve.png'
    spec = dict(SPEC, curve=dict(path=png, metric='coco/bbox_mAP'))
    text = update_blocks(block(spec), 'configs/algo/README.md', records)
    assert '![mAP during training](results/curve.png)' in text
    with open(osp.join(records, png), 'rb') as file:
        first = file.read()
    assert first.startswith(b'\x89PNG')
    update_blocks(block(spec), 'configs/algo/README.md', records)
    with open(osp.join(records, png), 'rb') as file:
        assert file.read() == first
    assert b'Software' not in first  # no matplotlib version in the file


def test_bad_block_specs_are_named(records):
    with pytest.raises(ValueError, match="block 't': unknown keys"):
        update_blocks(block(dict(SPEC, colums=[])), 'R.md', records)
    with pytest.raises(ValueError, match='"metrics" has 1 entries for 3'):
        update_blocks(block(dict(SPEC, rows=[dict(config=A, metrics=['x'])])),
                      'R.md', records)
    with pytest.raises(ValueError, match='not valid JSON'):
        update_blocks('<!-- results-table: t\n{\n-->\n<!-- /results-table -->',
                      'R.md', records)
    with pytest.raises(ValueError, match='2 results-table markers, 1'):
        update_blocks(block(SPEC) + '<!-- results-table: x\n', 'R.md',
                      records)


def test_record_in_the_wrong_file_is_refused(records):
    path = make_record(records, B, 2, test={'coco/bbox_mAP': 0.1})
    with open(path) as file:
        record = json.load(file)
    record['seed'] = 7
    with open(path, 'w') as file:
        json.dump(record, file)
    with pytest.raises(ValueError, match='seed 7, expected'):
        update_blocks(block(SPEC), 'R.md', records)


@pytest.mark.parametrize('text,expected', [
    ('coco/bbox_mAP', MetricSpec('test', 'coco/bbox_mAP')),
    ('coco/bbox_mAP@12', MetricSpec('test', 'coco/bbox_mAP', 12)),
    ('knn:20-NN top-1', MetricSpec('knn', '20-NN top-1')),
    ('time:train', MetricSpec('time', 'train')),
    ('coco/AR@@100', MetricSpec('test', 'coco/AR@100')),
    ('coco/AR@@100@4', MetricSpec('test', 'coco/AR@100', 4)),
])
def test_metric_spec(text, expected):
    assert MetricSpec.parse(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize('text,message', [
    ('coco/bbox_mAP@x', 'must be an integer'),
    ('knn:top1@4', 'validation during training'),
    ('time:val', 'time of one of'),
    ('coco/AR@1@2', 'literal "@"'),
])
def test_metric_spec_errors(text, message):
    with pytest.raises(ValueError, match=message):
        MetricSpec.parse(text)


def test_column_format():
    column = Column.from_spec('tbps/R1=R1', digits=1)
    assert column.header == 'R1'
    assert column.format([50.0]) == '50.0'
    assert column.format([50.0, 60.0]) == '55.0 ± 7.1'


METAFILE = '''Collections:
  - Name: X
Models:
  - Name: a
    In Collection: X
    Config: {a}
    Metadata:
      Epochs: 12
    Results:
      - Task: Object Detection
        Dataset: Demo World
        Metrics:
          box AP: 99.9
    Weights: null
  # a comment of the next model
  - Name: c
    In Collection: X
    Config: {c}
    Results:
      - Task: Object Detection
        Dataset: COCO
        Metrics:
          box AP: 40.0
'''


def test_metafile_results_from_records(records):
    text = METAFILE.format(a=A, c=C)
    (problem, ) = metafile_mismatches(text, records)
    assert 'model a' in problem and '99.9' in problem
    updated = update_metafile(text, records)
    assert metafile_mismatches(updated, records) == []
    assert update_metafile(updated, records) == updated
    assert '''    Results:
      - Task: Object Detection
        Dataset: Demo World
        Metrics:
          box AP: 23.3
      - Task: Image Classification
        Dataset: Demo World
        Metrics:
          Top 1 Accuracy (20-NN): 11.0
    Weights: null
  # a comment of the next model''' in updated
    assert 'box AP: 40.0' in updated  # published results stay
    # Without records, measured results go.
    empty = update_metafile(text, str(records) + '/nowhere')
    assert 'box AP: 99.9' not in empty and '    Results: null\n' in empty


def test_metafile_tasks_of_the_object_and_video_metrics(tmp_path):
    """GLEE's records (instance, proposals, grounding, video, clicks) give
    their own metafile tasks, in percent except NoC (a click count)."""
    config = 'configs/algo/g_1xb4-1e_demo-world.py'
    make_record(str(tmp_path), config, 0, test={
        'coco/bbox_mAP': 0.412, 'coco/segm_mAP': 0.466, 'coco/AR@100': 0.9,
        'refexp/rec_accuracy': 0.8081, 'refexp/res_miou': 0.76,
        'refexp/res_ciou': 0.7259, 'youtube_vis/segm_mAP': 0.251,
        'mot/HOTA': 0.249, 'mot/IDF1': 0.269, 'vos/J&F': 0.584,
        'interactive/mIoU_1': 0.335, 'interactive/NoC_85': 15.0917})
    results = {r['Task']: r['Metrics']
               for r in measured_results(config, str(tmp_path))}
    assert results == {
        'Object Detection': {'box AP': 41.2},
        'Instance Segmentation': {'mask AP': 46.6},
        'Object Proposal': {'AR@100': 90.0},
        'Referring Expression Comprehension': {'Accuracy@0.5': 80.8},
        'Referring Expression Segmentation': {'mIoU': 76.0, 'cIoU': 72.6},
        'Video Instance Segmentation': {'AP': 25.1},
        'Multi-Object Tracking': {'HOTA': 24.9, 'IDF1': 26.9},
        'Video Object Segmentation': {'J&F': 58.4},
        'Interactive Segmentation': {'mIoU@1': 33.5, 'NoC@85': 15.09},
    }


def test_default_columns_escape_the_at_of_metric_names(
        tmp_path, monkeypatch):
    """Without --metrics the columns are the first record's test metrics;
    a name holding '@' (COCO's AR@100) is a name, not a step."""
    import argparse
    from tests.test_tools.test_ms_deform_attn_tools import load_tool
    run_table = load_tool('run_table')
    make_record(str(tmp_path), A, 0, test={'coco/AR@100': 0.8,
                                           'coco/bbox_mAP': 0.5})
    args = argparse.Namespace(metrics=None, configs=[A], seeds=[0],
                              results_dir=None, digits=3)
    monkeypatch.chdir(tmp_path)
    assert [c.metric for c in run_table.table_columns(args)] == [
        MetricSpec('test', 'coco/AR@100', None),
        MetricSpec('test', 'coco/bbox_mAP', None)]


# --- run_table.py on the toy Runner ----------------------------------------


@pytest.mark.slow
def test_run_table_trains_tests_and_tabulates(tmp_path, subprocess_env):
    config = toy_runner.write_toy_config(str(tmp_path / 'toy.py'),
                                         str(tmp_path / 'unused'),
                                         max_epochs=2)
    command = [sys.executable, RUN_TABLE, config, '--seeds', '0', '1',
               '--threads', '1', '--work-dir-root', str(tmp_path / 'runs'),
               '--metrics', 'toy/mse@1=mse ep 1', 'toy/mse',
               '--cfg-options', 'train_cfg.val_interval=1',
               'experiment_name=toy_{seed}', '--curve',
               str(tmp_path / 'curve.png'), '--curve-metric', 'toy/mse']
    proc = subprocess.run(command, capture_output=True, text=True,
                          env=subprocess_env, cwd=REPO_ROOT, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    records = [load_record(str(tmp_path / 'results' / f'toy_seed{s}.json'))
               for s in (0, 1)]
    for seed, record in enumerate(records):
        assert record['seed'] == seed
        assert record['train']['sessions'][0]['cfg_options'] == {
            'randomness.seed': seed, 'train_cfg.val_interval': 1,
            'experiment_name': f'toy_{seed}'}
        assert record['train']['sessions'][0]['environment']['threads'][
            'torch'] == 1
        assert record['test']['checkpoint']['path'] == str(
            tmp_path / 'runs' / 'toy' / f'seed{seed}' / 'epoch_2.pth')
    final = [r['test']['metrics']['toy/mse'] for r in records]
    first = [r['train']['val_metrics'][0]['metrics']['toy/mse']
             for r in records]
    assert final[0] != final[1]  # the seeds differ
    row = (f'| `toy.py` | 2 | {statistics.fmean(first):.3f} ± '
           f'{statistics.stdev(first):.3f} | {statistics.fmean(final):.3f} '
           f'± {statistics.stdev(final):.3f} |')
    assert row in proc.stdout
    assert (tmp_path / 'curve.png').read_bytes().startswith(b'\x89PNG')

    # --skip-existing runs nothing more; --table-only neither.
    for extra in (['--skip-existing'], ['--table-only']):
        again = subprocess.run(command + extra, capture_output=True,
                               text=True, env=subprocess_env, cwd=REPO_ROOT,
                               timeout=600)
        assert again.returncode == 0, again.stderr[-2000:]
        assert '[run_table]' not in again.stdout and row in again.stdout
    assert [load_record(str(tmp_path / 'results' / f'toy_seed{s}.json'))
            for s in (0, 1)] == records
