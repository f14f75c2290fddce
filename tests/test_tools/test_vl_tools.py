"""The VL inference API and commands, CapFilt, the checkpoint converters and
the retrieval benchmark, on tiny models and a tiny demo world; the slow
tests train each demo config for an epoch through tools/train.py and
evaluate it with tools/test.py."""
import json
import os
import os.path as osp
import subprocess

import pytest
import torch

from mmvision_plus.apis import ImageTextInferencer, list_images
from tests.conftest import REPO_ROOT
from tests.test_tools.vl_tiny_configs import (tiny_config,
                                              val_images_and_captions)


@pytest.fixture(scope='module')
def configs(tiny_caption_world, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('vl_configs'))
    return {name: tiny_config(name, tiny_caption_world, out)
            for name in ('clip', 'albef', 'blip', 'blip_caption')}


@pytest.fixture(scope='module')
def blip_checkpoint(configs, tmp_path_factory):
    torch.manual_seed(0)
    model = ImageTextInferencer(configs['blip']).model
    path = tmp_path_factory.mktemp('ckpt') / 'blip.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


def run(script, args, env, timeout=600):
    proc = subprocess.run([_python(), script, *args],
                          cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def _python():
    import sys
    return sys.executable


def test_api_tasks(configs, tiny_caption_world):
    images, captions = val_images_and_captions(tiny_caption_world)
    blip = ImageTextInferencer(configs['blip'])
    hits = blip.retrieve_images(captions[:2], images, topk=2)
    assert [len(h) for h in hits] == [2, 2]
    assert all(0 <= h['index'] < len(images) for row in hits for h in row)
    assert len(blip.retrieve_texts(images[:1], captions, topk=5)[0]) == 3
    score = blip.score(images[0], captions[0])
    assert set(score) == {'itc', 'itm'} and 0 <= score['itm'] <= 1
    caps = blip.caption(images, strategy='greedy', max_length=5)
    assert len(caps) == 3 and all(len(c.split()) <= 4 for c in caps)
    clip = ImageTextInferencer(configs['clip'])
    assert set(clip.score(images[0], captions[0])) == {'itc'}
    out = clip.zero_shot_classify(images[:2], ['circle', 'square', 'star'])
    assert len(out) == 2 and sum(out[0]['scores']) == pytest.approx(1.0)
    with pytest.raises(TypeError, match='no caption decoder'):
        clip.caption(images[:1])
    with pytest.raises(FileNotFoundError, match='not found'):
        list_images([osp.join(tiny_caption_world, 'nothing.png')])


def test_commands(configs, tiny_caption_world, blip_checkpoint,
                  subprocess_env, tmp_path):
    images_dir = osp.join(tiny_caption_world, 'images', 'val')
    out = tmp_path / 'r.json'
    run('tools/retrieve.py', [configs['blip'], blip_checkpoint, '--texts',
                              'a red circle', '--images', images_dir,
                              '--topk', '2', '--out', str(out)],
        subprocess_env)
    result = json.loads(out.read_text())
    assert result[0]['query'] == 'a red circle'
    assert len(result[0]['results']) == 2
    texts = tmp_path / 'texts.txt'
    texts.write_text('a red circle\ntwo shapes\n')
    proc = run('tools/retrieve.py', [configs['blip'], blip_checkpoint,
                                     '--query-images', images_dir,
                                     '--gallery-texts', str(texts)],
               subprocess_env)
    assert '"text": "two shapes"' in proc.stdout
    run('tools/caption.py', [configs['blip'], blip_checkpoint, images_dir,
                             '--strategy', 'beam', '--max-length', '6',
                             '--out', str(tmp_path / 'c.json')],
        subprocess_env)
    assert len(json.loads((tmp_path / 'c.json').read_text())) == 3
    proc = run('tools/score_image_text.py',
               [configs['blip'], blip_checkpoint,
                osp.join(images_dir, os.listdir(images_dir)[0]),
                'a red circle'], subprocess_env)
    assert '"itm"' in proc.stdout


def test_capfilt(configs, tiny_caption_world, blip_checkpoint, tmp_path):
    from tools.data.capfilt import main
    ann = osp.join(tiny_caption_world, 'annotations', 'retrieval_val.json')
    img_dir = osp.join(tiny_caption_world, 'images')
    blip = [configs['blip'], blip_checkpoint]
    out = tmp_path / 'clean.json'
    report = main([ann, img_dir, str(out), '--captioner', *blip,
                   '--num-synthetic', '2', '--max-length', '6',
                   '--threshold', '0.0'])
    counts = report['counts']
    assert counts['original'] == dict(kept=9, removed=0)
    assert counts['synthetic']['kept'] + counts['synthetic']['removed'] == 6
    cleaned = json.loads(out.read_text())
    assert len(cleaned) == 3 and all(len(r['caption']) >= 3 for r in cleaned)
    saved = json.loads((tmp_path / 'clean.report.json').read_text())
    assert saved['counts'] == counts and saved['examples']['original']['kept']
    # a threshold nothing passes removes every caption and image
    report = main([ann, img_dir, str(out), '--captioner', *blip,
                   '--filter', *blip, '--num-synthetic', '1',
                   '--max-length', '6', '--threshold', '1.0',
                   '--report', str(tmp_path / 'r.json')])
    assert report['counts']['original'] == dict(kept=0, removed=9)
    assert json.loads(out.read_text()) == [] and report['images_kept'] == 0
    assert sorted(os.listdir(tmp_path)) == ['clean.json',
                                            'clean.report.json', 'r.json']
    with pytest.raises(FileNotFoundError, match='does not exist'):
        main([ann, str(tmp_path), str(out), '--captioner', *blip])


def test_converter_command_writes_a_loadable_checkpoint(tmp_path):
    from tests.test_models.test_multimodal.test_albef_blip import \
        _to_official
    from tests.test_models.test_multimodal.vl_fixtures import (albef_cfg,
                                                               build)
    from tools.model_converters.albef2mmvp import main
    source = build(albef_cfg(), seed=3)
    src = tmp_path / 'ALBEF.pth'
    torch.save(dict(model=_to_official(source.state_dict(), 'queue_ptr'),
                    config=dict(queue_size=8)), src)
    main([str(src), str(tmp_path / 'albef_mmvp.pth')])
    target = build(albef_cfg(), seed=4)
    state = torch.load(tmp_path / 'albef_mmvp.pth', weights_only=True)
    target.load_state_dict(state['state_dict'], strict=True)
    assert torch.equal(target.temp, source.temp)


def test_retrieval_benchmark(tmp_path):
    from tools.analysis_tools.benchmark_retrieval import main
    results = main(['retrieval', '--num-images', '60', '--dim', '16',
                    '--hidden', '8', '--topk', '4', '--noise', '0.5',
                    '--out', str(tmp_path / 'b.json')])
    assert set(results) == {'itc', 'itc+itm@4'}
    for row in results.values():
        assert row['speedup'] > 0 and row['recall']['t2i/R1'] > 10
    record = json.loads((tmp_path / 'b.json').read_text())
    assert record['results']['itc']['recall'] == results['itc']['recall']
    assert 'benchmark_retrieval.py retrieval' in record['tool']['command']


def test_training_throughput_benchmark(configs, tmp_path):
    from tools.analysis_tools.benchmark_retrieval import main
    results = main(['train', configs['clip'], '--iters', '1', '--warmup',
                    '0'])
    row = results[configs['clip']]
    assert set(row) == {'fp32', 'bf16'}
    assert row['bf16']['samples_per_second'] > 0


@pytest.mark.slow
@pytest.mark.parametrize('name,metric', [
    ('clip', 't2i/retrieval/R1'),
    ('albef', 'r_mean'),
    ('blip', 'mean/retrieval/R5'),
])
def test_train_then_test(name, metric, configs, subprocess_env, tmp_path):
    work = str(tmp_path / name)
    run('tools/train.py', [configs[name], '--work-dir', work],
        subprocess_env)
    checkpoint = osp.join(work, 'epoch_1.pth')
    proc = run('tools/test.py', [configs[name], checkpoint, '--work-dir',
                                 work], subprocess_env)
    assert metric in proc.stdout
    if name == 'blip':
        proc = run('tools/test.py', [configs['blip_caption'], checkpoint,
                                     '--work-dir', work], subprocess_env)
        assert 'caption/CIDEr' in proc.stdout
