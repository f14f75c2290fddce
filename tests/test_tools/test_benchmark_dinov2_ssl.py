"""benchmark_dinov2_ssl: one tiny run per precision gives a complete row."""
import json
import math
import os.path as osp
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.test_tools.test_dinov2_ssl_train import (  # noqa: F401
    image_folder, tiny_config)

sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis_tools'))


@pytest.mark.slow
def test_benchmark_reports_speed_memory_and_shares(tmp_path, image_folder):
    from benchmark_dinov2_ssl import main
    out = tmp_path / 'rows.json'
    main([tiny_config(tmp_path, image_folder), '--iters', '1', '--warmup',
          '1', '--threads', '1', '--batch-size', '2', '--json', str(out)])
    record = json.loads(out.read_text())
    rows = record['rows']
    assert record['config'].endswith('.py')
    run = record['tool']
    assert 'benchmark_dinov2_ssl' in run['command']
    assert run['environment']['packages']['torch'] and run['wall_time_s'] > 0
    assert [r['dtype'] for r in rows] == ['fp32', 'bf16']
    for row in rows:
        assert row['batch'] == 2 and row['images_per_s'] > 0
        assert row['peak_mib'] >= 0
        shares = [row[k] for k in ('share_backbones', 'share_heads',
                                   'share_losses_other', 'share_optimizer')]
        assert all(math.isfinite(s) for s in shares)
        assert row['share_losses_other'] > 0
