"""benchmark_losses.py: every loss timed, ratios to ours, a record."""
import json
import os.path as osp
import sys

from tests.conftest import REPO_ROOT

sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis_tools'))


def test_benchmark_losses_writes_its_rows_as_a_record(tmp_path):
    import benchmark_losses
    record_path = tmp_path / 'losses.json'
    assert benchmark_losses.main([
        '--num-boxes', '64', '--num-anchors', '32', '--num-classes', '4',
        '--repeats', '1', '--warmup', '0', '--threads', '1', '--record',
        str(record_path)]) == 0
    record = json.loads(record_path.read_text())
    rows = record['rows']
    assert [r['loss'] for r in rows][0] == 'ours PaperSIoULoss'
    assert len(rows) == 7 and all(r['time_ms'] > 0 for r in rows)
    firsts = [r for r in rows if r['loss'].startswith('ours') and
              r['ratio_to_ours'] == 1.0]
    assert len(firsts) >= 2  # each group's first row is the reference
    assert '--num-boxes 64' in record['tool']['command']
