"""Part 2 of the VL tools on tiny models and a tiny demo world: the visual
tokenizer builder, the VLMo converter command, the inference API with
ViLT / VLMo / BEiT-3 / CoCa; the slow tests train and test every model
through vl_benchmark.py's chain (stages, final test with the retrieval
cost, CoCa's captioning test) and tools/train.py / tools/test.py."""
import argparse
import os.path as osp

import pytest
import torch

from mmvision_plus.apis import ImageTextInferencer
from mmvision_plus.utils.results_record import load_record
from tests.test_tools.vl2_tiny_configs import tiny_config
from tests.test_tools.vl_tiny_configs import val_images_and_captions


@pytest.fixture(scope='module')
def configs(tiny_caption_world, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('vl2_configs'))
    codebook = osp.join(out, 'codebook', 'kmeans16.pth')
    return {name: tiny_config(name, tiny_caption_world, out, codebook=codebook)
            for name in ('vilt', 'vlmo_stage1', 'vlmo_stage2', 'vlmo_stage3',
                         'beit3_pretrain', 'beit3', 'coca', 'coca_caption')}


@pytest.fixture(scope='module')
def chain_configs(tiny_caption_world, tmp_path_factory):
    """The tiny configs with their previous stage's checkpoint left to the
    chain (vl_benchmark.py sets model.init_cfg.checkpoint)."""
    out = str(tmp_path_factory.mktemp('vl2_chain_configs'))
    codebook = osp.join(out, 'codebook', 'kmeans16.pth')
    return {name: tiny_config(name, tiny_caption_world, out, codebook=codebook,
                              init_checkpoint='set-by-the-chain.pth')
            for name in ('vilt', 'vlmo_stage1', 'vlmo_stage2', 'vlmo_stage3',
                         'beit3_pretrain', 'beit3', 'coca', 'coca_caption')}


@pytest.fixture(scope='module')
def codebook(configs):
    from tools.analysis_tools.build_visual_tokenizer import main
    return main([configs['beit3_pretrain'], '--niter', '5'])


def test_visual_tokenizer_builder(codebook, configs):
    data = torch.load(codebook, weights_only=True)
    assert data['centroids'].shape == (16, 48)  # 3 colours x 4 x 4 cells
    assert data['source'] == 'pixels' and data['patch_size'] == 16
    assert data['meta']['images'] == 6 and data['meta']['patches'] == 216
    from mmengine.config import Config

    from mmvision_plus.registry import MODELS
    tokenizer = MODELS.build(Config.fromfile(
        configs['vlmo_stage1']).model.visual_tokenizer)
    ids = tokenizer(torch.randn(2, 3, 96, 96))
    assert ids.shape == (2, 36) and 0 <= ids.min() and ids.max() < 16
    from tools.analysis_tools.build_visual_tokenizer import main
    with pytest.raises(SystemExit, match='patches for 500 tokens'):
        main([configs['beit3_pretrain'], '--num-tokens', '500', '--out',
              osp.join(osp.dirname(codebook), 'big.pth')])


def test_api_with_the_new_models(configs, tiny_caption_world):
    images, captions = val_images_and_captions(tiny_caption_world)
    vilt = ImageTextInferencer(configs['vilt'])
    hits = vilt.retrieve_images(captions[:2], images, topk=2)
    assert [len(h) for h in hits] == [2, 2]
    assert len(vilt.retrieve_texts(images[:1], captions, topk=2)[0]) == 2
    assert set(vilt.score(images[0], captions[0])) == {'itm'}
    vlmo = ImageTextInferencer(configs['vlmo_stage3'])
    assert set(vlmo.score(images[0], captions[0])) == {'itc', 'itm'}
    beit3 = ImageTextInferencer(configs['beit3'])
    assert len(beit3.retrieve_images(captions[:1], images, topk=3)[0]) == 3
    coca = ImageTextInferencer(configs['coca'])
    caps = coca.caption(images, strategy='greedy', max_length=5)
    assert len(caps) == 3 and all(len(c.split()) <= 4 for c in caps)
    out = coca.zero_shot_classify(images[:2], ['circle', 'square', 'star'])
    assert len(out) == 2 and sum(out[0]['scores']) == pytest.approx(1.0)
    with pytest.raises(TypeError, match='no caption decoder'):
        vilt.caption(images[:1])


def test_vlmo_converter_command(tmp_path):
    from tests.test_models.test_multimodal.test_vlmo import to_official
    from tests.test_models.test_multimodal.vl2_fixtures import vlmo_cfg
    from tests.test_models.test_multimodal.vl_fixtures import build
    from tools.model_converters.vlmo2mmvp import main
    source = build(vlmo_cfg(), seed=3)
    with torch.no_grad():
        for block in source.transformer.blocks:
            block.attn.qkv.bias[24:48] = 0
    src = tmp_path / 'vlmo.pt'
    torch.save(dict(module=to_official(source.state_dict())), src)
    main([str(src), str(tmp_path / 'vlmo_mmvp.pth')])
    target = build(vlmo_cfg(), seed=4)
    state = torch.load(tmp_path / 'vlmo_mmvp.pth', weights_only=True)
    target.load_state_dict(state['state_dict'], strict=True)
    assert torch.equal(target.relative_position_bias_table,
                       source.relative_position_bias_table)


def chain_args(tmp_path) -> argparse.Namespace:
    return argparse.Namespace(
        results_dir=str(tmp_path / 'results'),
        work_dir_root=str(tmp_path / 'work'), cfg_options=[],
        skip_existing=True, python=__import__('sys').executable, threads=1)


@pytest.mark.slow
@pytest.mark.parametrize('name', ['vlmo', 'beit3', 'coca', 'vilt'])
def test_benchmark_chain_trains_and_tests(name, chain_configs, tmp_path):
    from tools.analysis_tools.vl_benchmark import Member, run_member
    configs = chain_configs
    members = dict(
        vlmo=Member('vlmo', configs['vlmo_stage3'],
                    stages=(configs['vlmo_stage1'], configs['vlmo_stage2']),
                    tokenizer=configs['vlmo_stage1']),
        beit3=Member('beit3', configs['beit3'],
                     stages=(configs['beit3_pretrain'], ),
                     tokenizer=configs['beit3_pretrain']),
        coca=Member('coca', configs['coca'], caption=configs['coca_caption']),
        vilt=Member('vilt', configs['vilt']))
    member = members[name]
    args = chain_args(tmp_path)
    run_member(args, member, seed=0)

    def record(config):
        stem = osp.splitext(osp.basename(config))[0]
        return load_record(osp.join(args.results_dir, f'{stem}_seed0.json'))

    final = record(member.final)
    metrics = final['test']['metrics']
    assert 't2i/retrieval/R1' in metrics and 'r_mean' in metrics
    assert metrics['cost/t2i_ms_per_query'] > 0
    assert metrics['cost/params_M'] > 0
    previous = None
    for stage in member.stages:
        train = record(stage)['train']
        assert train['finished'] and 'test' not in record(stage)
        session = train['sessions'][0]
        if previous is not None:  # each stage starts from the previous one
            assert (f'model.init_cfg.checkpoint={previous}'
                    in session['command'])
        previous = train['last_checkpoint']
    if member.caption:
        assert 'caption/CIDEr' in record(member.caption)['test']['metrics']
    # a second run finds every record complete and runs nothing
    run_member(args, member, seed=0)
    assert record(member.final)['test']['metrics'] == metrics
