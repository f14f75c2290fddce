"""tools/analysis_tools/benchmark_retrieval_metric.py on a small problem."""
import json
import os.path as osp
import subprocess

from tests.conftest import REPO_ROOT

SCRIPT = osp.join(REPO_ROOT, 'tools', 'analysis_tools',
                  'benchmark_retrieval_metric.py')


def test_benchmark_reports_equal_results(tmp_path, python_exe,
                                         subprocess_env):
    out = tmp_path / 'bench.json'
    proc = subprocess.run(
        [python_exe, SCRIPT, '--num-queries', '185', '--num-gallery', '90',
         '--num-ids', '30', '--dim', '16', '--noise', '1.5', '--repeat', '1',
         '--record', str(out)],
        env=subprocess_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = json.loads(out.read_text())
    assert 'benchmark_retrieval_metric.py' in record['tool']['command']
    report = record['report']
    assert report['equal'] is True
    assert report['num_queries'] == 185 and report['num_gallery'] == 90
    assert set(report['metrics']) == {'R1', 'R5', 'R10', 'mAP', 'mINP'}
    # 30 ids, 3 images each: chance level R1 is ~3%; the synthetic
    # features carry id signal, so ranking is far above chance.
    assert report['metrics']['R1'] > 10
    assert 'speed-up' in proc.stdout
