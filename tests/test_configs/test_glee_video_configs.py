"""GLEE video and visual-prompt configs: one model with the image demo
(an image checkpoint loads), baselines that differ only in the association,
the official video recipe, real-data configs that build and load, and a
few training / test iterations through the Runner (slow)."""
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image

import mmvision_plus
from mmvision_plus.registry import DATASETS, MODELS

mmvision_plus.register_all_modules(init_default_scope=False)
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GLEE = osp.join(ROOT, 'configs', 'glee')
TINY = osp.join(ROOT, 'tests', 'data', 'glee', 'glee_tiny_demo-world.py')
VIS = 'glee_r18_demo_1xb2-4e_demo-world-vis.py'
INTERACTIVE = 'glee_r18_demo-interactive_1xb4-4e_demo-world.py'
VOS = 'glee_r18_demo-interactive_demo-world-vos.py'
RVOS = 'glee_r18_demo_demo-world-rvos.py'
VIDEO_KEYS = ('tracker', 'loss_track', 'num_track_negatives', 'window_size',
              'max_tracks')
REAL = ('glee-lite_r50_8xb1-8k_ytvis19-vis.py',
        'glee-lite_r50_8xb1-8k_ytvis21-vis.py',
        'glee-lite_r50_8xb1-8k_ovis-vis.py', 'glee-lite_r50_burst-track.py',
        'glee-lite_r50_davis17-vos.py',
        'glee-lite_r50_ref-youtube-vos-rvos.py')


def load(name: str) -> Config:
    return Config.fromfile(osp.join(GLEE, name))


def image_part(model: dict) -> dict:
    """The model config without what the video / prompt variants add."""
    model = dict(model)
    for key in VIDEO_KEYS + ('visual_prompter', 'type'):
        model.pop(key, None)
    model['data_preprocessor'] = dict(model['data_preprocessor'])
    model['data_preprocessor'].pop('type')
    model['bbox_head'] = dict(model['bbox_head'])
    model['bbox_head'].pop('confidence_tasks', None)
    model['test_cfg'] = dict(model['test_cfg'])
    model['test_cfg'].pop('prompt_selection', None)
    return model


def test_video_and_prompt_models_are_the_image_demo_model():
    image = load('glee_r18_demo_1xb4-12e_demo-world-instance.py').model
    for name in (VIS, INTERACTIVE, VOS, RVOS):
        cfg = load(name)
        assert image_part(cfg.model.to_dict()) == image_part(
            image.to_dict()), name
    vis = load(VIS).model
    assert vis.type == 'GLEEVideo'
    assert vis.data_preprocessor.type == 'TrackDataPreprocessor'
    assert vis.tracker == dict(type='GLEEQueryTracker',
                               association='embedding', num_memory_frames=3)
    assert (vis.window_size, vis.max_tracks, vis.loss_track.loss_weight) == (
        10, 30, 2.0)
    assert load(VIS).load_from.endswith(
        'glee_r18_demo_1xb4-12e_demo-world-instance/epoch_12.pth')
    prompter = load(INTERACTIVE).model.visual_prompter
    assert prompter.mode_probs == dict(mask=0.6, point=0.32, box=0.08)
    assert prompter.prompt_prob == 1.0
    assert load(INTERACTIVE).model.test_cfg.prompt_selection == 'agreement'
    assert load(INTERACTIVE).load_from.endswith(
        'glee_r18_demo_1xb4-16e_demo-world-instance/epoch_16.pth')
    assert load(INTERACTIVE).model.bbox_head.confidence_tasks == (
        'interactive', )


def test_baselines_change_only_the_association():
    ours = load(VIS).to_dict()
    for suffix, association in (('iou-assoc', 'iou'), ('no-assoc', 'none')):
        other = load(VIS.replace('vis.py', f'vis-{suffix}.py')).to_dict()
        assert other['model'].pop('tracker')['association'] == association
        mine = dict(ours, model=dict(ours['model']))
        mine['model'].pop('tracker')
        assert other == mine


def test_demo_video_data_and_evaluation():
    vis = load(VIS)
    pipeline = vis.train_dataloader.dataset.dataset.pipeline
    assert pipeline[0] == dict(type='UniformRefFrameSample', num_ref_imgs=1,
                               frame_range=5, filter_key_img=True)
    assert [e['type'] for e in vis.test_evaluator] == [
        'NumpyCompatYouTubeVISMetric', 'TrackEvalMOTMetric']
    interactive = load(INTERACTIVE)
    assert interactive.test_cfg.type == 'InteractiveSegTestLoop'
    assert (interactive.test_cfg.max_clicks, interactive.val_cfg.max_clicks,
            interactive.val_cfg.min_clicks) == (20, 5, 5)
    assert interactive.test_evaluator.type == 'InteractiveSegMetric'
    assert load(VOS).test_evaluator == dict(type='VideoObjectSegMetric',
                                            semi_supervised=True)
    rvos = load(RVOS)
    assert rvos.test_dataloader.dataset.type == 'RefVOSDataset'
    assert rvos.test_evaluator.semi_supervised is False


def test_official_video_recipe():
    cfg = load(REAL[0])
    assert cfg.train_cfg.max_iters == 8000
    assert cfg.param_scheduler[1].milestones == [6000]
    assert cfg.optim_wrapper.optimizer.lr == 1e-4
    assert cfg.train_dataloader.dataset.pipeline[0].frame_range == 5
    prompts = [cfg.train_dataloader.dataset.pipeline[1].transforms[-1]] + [
        load(n).train_dataloader.dataset.pipeline[1].transforms[-1]
        for n in REAL[1:3]
    ]
    assert [p['dn_table'] for p in prompts] == ['ytvis19', 'ytvis21', 'ovis']
    assert [len(p['classes']) for p in prompts] == [40, 40, 25]


@pytest.mark.parametrize('name', REAL)
def test_real_data_configs_build(name):
    cfg = load(name)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'GLEEVideo'
    assert model.num_queries == 300 and len(model.decoder.layers) == 9
    assert model.visual_prompter.template_size == 256


def davis_layout(root):
    """A two-frame DAVIS 2017 layout (JPEGImages / Annotations 480p)."""
    for t in range(2):
        for sub in ('JPEGImages/480p/dog', 'Annotations/480p/dog'):
            (root / sub).mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.zeros((24, 32, 3), np.uint8)).save(
            root / 'JPEGImages' / '480p' / 'dog' / f'{t:05d}.jpg')
        labels = np.zeros((24, 32), np.uint8)
        labels[4:12, 4 + t:12 + t] = 1
        png = Image.new('P', (32, 24))
        png.putdata(labels.flatten().tolist())
        png.putpalette([0, 0, 0, 128, 0, 0] + [0] * 762)
        png.save(root / 'Annotations' / '480p' / 'dog' / f'{t:05d}.png')
    (root / 'ImageSets' / '2017').mkdir(parents=True)
    (root / 'ImageSets' / '2017' / 'val.txt').write_text('dog\n')


def test_davis_and_ref_youtube_vos_configs_load_converted_data(tmp_path):
    davis = tmp_path / 'DAVIS'
    davis_layout(davis)
    subprocess.run(
        [sys.executable,
         osp.join(ROOT, 'tools', 'dataset_converters', 'vos2cocovid.py'),
         'palette', str(davis / 'JPEGImages' / '480p'),
         str(davis / 'Annotations' / '480p'),
         str(davis / 'annotations' / 'davis17_val_cocovid.json'),
         '--videos', str(davis / 'ImageSets' / '2017' / 'val.txt')],
        check=True, cwd=ROOT)
    cfg = load('glee-lite_r50_davis17-vos.py')
    cfg.test_dataloader.dataset.data_root = str(davis) + '/'
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
    frames = dataset[0]['data_samples'].video_data_samples
    assert len(frames) == 2
    assert frames[0].metainfo['task'] == 'interactive'
    assert frames[0].gt_instances.instances_ids.tolist() == [1]
    # Ref-YouTube-VOS: the same converted layout plus expressions
    import mmengine
    rvos = tmp_path / 'ref_youtube_vos'
    (rvos / 'train').mkdir(parents=True)
    (rvos / 'train' / 'JPEGImages').symlink_to(davis / 'JPEGImages' /
                                                '480p')
    (rvos / 'annotations').mkdir()
    (rvos / 'annotations' / 'train_cocovid.json').symlink_to(
        davis / 'annotations' / 'davis17_val_cocovid.json')
    mmengine.dump(dict(videos=dict(dog=dict(expressions={
        '0': dict(exp='a dog running', obj_id='1')}))),
        str(rvos / 'meta_expressions' / 'train' / 'meta_expressions.json'))
    cfg = load('glee-lite_r50_ref-youtube-vos-rvos.py')
    cfg.test_dataloader.dataset.data_root = str(rvos) + '/'
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
    frames = dataset[0]['data_samples'].video_data_samples
    assert frames[0].metainfo['text'] == ('a dog running', )
    assert frames[0].metainfo['task'] == 'grounding'


# ---------------------------------------------------------------------- #
# through the Runner
# ---------------------------------------------------------------------- #
@pytest.fixture(scope='module')
def glee_video_world(tmp_path_factory):
    from mmvision_plus.datasets.demo_world import generate_demo_world
    sys.path.insert(0, ROOT)
    from tools.data.make_demo_world_rvos import write_expressions
    out = tmp_path_factory.mktemp('glee_video_runner') / 'demo_world'
    generate_demo_world(str(out), seed=0, num_train=4, num_val=2,
                        img_size=64, num_videos=2, num_val_videos=1,
                        video_frames=(4, 5), only=('detection', 'videos'))
    write_expressions(str(out))
    return str(out) + '/'


def on_tiny_world(cfg: Config, root: str, work_dir: str) -> Config:
    """The config with the tiny model (its video / prompt parts kept), the
    tiny world and 2 training iterations."""
    tiny = Config.fromfile(TINY).model
    for key in VIDEO_KEYS + ('type', 'data_preprocessor'):
        if key in cfg.model:
            tiny[key] = cfg.model[key]
    if cfg.model.get('visual_prompter'):
        tiny.visual_prompter = dict(cfg.model.visual_prompter,
                                    in_channels=[32, 64, 128],
                                    template_size=32, max_points=16)
        tiny.bbox_head.confidence_tasks = ('interactive', )
    cfg.model = tiny
    cfg.work_dir = work_dir
    cfg.load_from = None
    if cfg.get('train_cfg'):
        cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2,
                             val_interval=2)
        cfg.param_scheduler = []
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                            interval=2, by_epoch=False)
        cfg.log_processor = dict(by_epoch=False)
    cfg.default_hooks.logger.interval = 1
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not cfg.get(loader):
            continue
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
        stack = [cfg[loader].dataset]
        while stack:
            dataset = stack.pop()
            stack += [dataset[k] for k in ('dataset', ) if k in dataset]
            if 'data_root' in dataset:
                dataset.data_root = root + (
                    'videos/' if 'videos' in dataset.data_root else '')
    if cfg.get('clicks'):
        cfg.val_cfg.max_clicks = cfg.test_cfg.max_clicks = 5
    return cfg


@pytest.mark.slow
@pytest.mark.parametrize('name,metric', [
    (VIS, 'mot/IDF1'), (INTERACTIVE, 'interactive/NoC_85')])
def test_demo_configs_train_and_evaluate(name, metric, glee_video_world,
                                         tmp_path):
    from mmengine.runner import Runner
    cfg = on_tiny_world(load(name), glee_video_world, str(tmp_path))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert metric in runner.val_loop.run()
    assert osp.isfile(osp.join(str(tmp_path), 'iter_2.pth'))


@pytest.mark.slow
@pytest.mark.parametrize('name', [VOS, RVOS])
def test_vos_and_rvos_configs_test(name, glee_video_world, tmp_path):
    from mmengine.runner import Runner
    cfg = on_tiny_world(load(name), glee_video_world, str(tmp_path))
    metrics = Runner.from_cfg(cfg).test()
    assert 0 <= metrics['vos/J&F'] <= 1 and metrics['vos/num_objects'] > 0
