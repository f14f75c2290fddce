"""GLEE configs: one model across the demo tasks, deltas that say what they
change, the official sizes, and a few training iterations of each demo
config through the Runner (slow)."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmvision_plus
from mmvision_plus.registry import MODELS

mmvision_plus.register_all_modules(init_default_scope=False)
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GLEE = osp.join(ROOT, 'configs', 'glee')
DEMO = {
    'instance': 'glee_r18_demo_1xb4-12e_demo-world-instance.py',
    'open_world': 'glee_r18_demo_1xb4-12e_demo-world-openworld.py',
    'grounding': 'glee_r18_demo_1xb4-4e_demo-world-refcoco.py',
    'joint': 'glee_r18_demo-joint_1xb4-1920i_demo-world-instance-refcoco.py',
    'open_vocab': 'glee_r18_demo-ov-diamond_1xb4-1920i_demo-world.py',
    'instance_bf16': 'glee_r18_demo_bf16_1xb4-24e_demo-world-instance.py',
}
TINY_MODEL = osp.join(ROOT, 'tests', 'data', 'glee',
                      'glee_tiny_demo-world.py')


def load(name: str) -> Config:
    return Config.fromfile(osp.join(GLEE, name))


def prompts_of(dataset: dict) -> dict:
    return [t for t in dataset['pipeline']
            if t['type'] == 'FormatGLEEPrompts'][0]


def test_demo_tasks_share_one_model():
    """A checkpoint of any demo config can be tested with any other."""
    models = {task: load(name).model.to_dict() for task, name in DEMO.items()}
    for task, model in models.items():
        assert model == models['instance'], task


def test_demo_tasks_differ_in_prompts_and_metrics():
    instance, open_world, grounding, joint, open_vocab = (
        load(DEMO[k]) for k in ('instance', 'open_world', 'grounding',
                                'joint', 'open_vocab'))
    assert prompts_of(instance.train_dataloader.dataset) == dict(
        type='FormatGLEEPrompts', task='instance', dn_table='demo_world')
    assert prompts_of(open_world.val_dataloader.dataset)['task'] == \
        'open_world'
    assert open_world.val_evaluator.metric == ['proposal']
    assert prompts_of(grounding.train_dataloader.dataset)['task'] == \
        'grounding'
    assert grounding.train_dataloader.dataset.type == \
        'RefCocoGroundingDataset'
    assert not any(t['type'] == 'RandomFlip'
                   for t in grounding.train_dataloader.dataset.pipeline)
    assert grounding.val_evaluator.type == 'ReferringExpressionMetric'
    # joint: both datasets, batches per dataset
    loader = joint.train_dataloader
    assert loader.batch_sampler.type == 'MultiDataAspectRatioBatchSampler'
    assert loader.sampler.type == 'MultiDataSampler'
    assert [prompts_of(d)['task'] for d in loader.dataset.datasets] == [
        'instance', 'grounding']
    # open vocabulary: the joint recipe with diamonds held out of detection
    ov = open_vocab.to_dict()
    held = ov['train_dataloader']['dataset']['datasets'][0]
    assert prompts_of(held)['exclude_classes'] == ('diamond', )
    prompts_of(held).pop('exclude_classes')
    for evaluator in ('val_evaluator', 'test_evaluator'):
        assert ov[evaluator].pop('classwise') is True
        assert ov[evaluator].pop('metric') == ['bbox']
        ov[evaluator]['metric'] = joint[evaluator]['metric']
    ov.pop('held_out')
    ov.pop('_instances')
    assert ov == joint.to_dict()
    assert 'diamond' in instance.metainfo.classes


def test_joint_runs_the_16_epoch_budget_in_iterations():
    """The joint run counts iterations (an epoch of both datasets is 1,243
    of them): the 16-epoch instance run's 1,920, with the lr steps at the
    same fractions of training (11/16 and 15/16), checkpoints and logs by
    iteration; its grounding test config changes only the evaluation."""
    joint = load(DEMO['joint'])
    instance16 = load('glee_r18_demo_1xb4-16e_demo-world-instance.py')
    iters_per_epoch = 480 // instance16.train_dataloader.batch_size
    assert joint.train_cfg == dict(type='IterBasedTrainLoop', max_iters=1920,
                                   val_interval=1920)
    assert joint.train_cfg.max_iters == \
        instance16.train_cfg.max_epochs * iters_per_epoch
    warmup, steps = joint.param_scheduler
    assert warmup == instance16.param_scheduler[0]
    assert not warmup.by_epoch and not steps.by_epoch
    assert steps.milestones == [
        m * iters_per_epoch for m in instance16.param_scheduler[1].milestones]
    assert joint.default_hooks.checkpoint.by_epoch is False
    assert joint.log_processor.by_epoch is False
    assert joint.optim_wrapper == instance16.optim_wrapper

    test = load('glee_r18_demo-joint_demo-world-refcoco.py').to_dict()
    grounding = load(DEMO['grounding']).to_dict()
    reference = joint.to_dict()
    for key in ('val_dataloader', 'test_dataloader', 'val_evaluator',
                'test_evaluator'):
        assert test.pop(key) == grounding[key], key
        reference.pop(key)
    assert test == reference


def test_glee_lite_has_the_official_sizes():
    cfg = load('glee-lite_r50_8xb2-90k_coco-instance.py')
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = MODELS.build(cfg.model)
    assert model.num_queries == 300
    assert len(model.encoder.layers) == 6
    assert len(model.encoder.fusion_layers) == 1
    assert len(model.decoder.layers) == 9
    assert model.embed_dims == 256
    clip = model.text_encoder.clip.config
    assert (clip.hidden_size, clip.num_hidden_layers,
            clip.num_attention_heads, clip.max_position_embeddings,
            clip.vocab_size) == (512, 12, 8, 77, 49408)
    assert model.text_encoder.mode == 'distill'
    assert {k: v.num_embeddings for k, v in
            model.dn_query_generator.label_tables.items()}['coco'] == 80
    head = cfg.model.bbox_head
    assert head.num_points == 12544
    assert [c['weight'] for c in cfg.model.train_cfg.assigner.match_costs
            ] == [4.0, 5.0, 2.0, 5.0, 5.0]
    assert cfg.optim_wrapper.clip_grad.max_norm == 0.01
    assert cfg.param_scheduler[1].milestones == [79200, 86400]


def test_own_dataset_config_changes_only_the_data():
    base = load('glee-lite_r50_8xb2-90k_coco-instance.py').to_dict()
    mine = load('glee-lite_r50_8xb2-90k_my-coco-dataset.py').to_dict()
    for key in ('model', 'optim_wrapper', 'param_scheduler', 'train_cfg'):
        assert mine[key] == base[key], key
    assert mine['train_dataloader']['dataset']['metainfo'] == dict(
        classes=('apple', 'pear'))
    assert prompts_of(mine['train_dataloader']['dataset']) == prompts_of(
        base['train_dataloader']['dataset'])


@pytest.fixture(scope='module')
def glee_world(tmp_path_factory):
    from mmvision_plus.datasets.demo_world import generate_demo_world
    out = tmp_path_factory.mktemp('glee_runner') / 'demo_world'
    generate_demo_world(str(out), seed=0, num_train=8, num_val=4,
                        img_size=64, only=('detection', 'refcoco'))
    return str(out) + '/'


def _on_tiny_world(cfg: Config, root: str, work_dir: str) -> Config:
    """The config with the tiny model, the tiny world, 2 iterations."""
    cfg.model = Config.fromfile(TINY_MODEL).model
    cfg.work_dir = work_dir
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2,
                         val_interval=2)
    cfg.param_scheduler = []
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=2,
                                        by_epoch=False)
    cfg.log_processor = dict(by_epoch=False)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
        stack = [cfg[loader].dataset]
        while stack:
            dataset = stack.pop()
            stack += list(dataset.get('datasets', []))
            if 'data_root' in dataset:
                dataset.data_root = root
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        if 'ann_file' in evaluator:
            evaluator.ann_file = root + 'annotations/instances_val.json'
    return cfg


@pytest.mark.slow
@pytest.mark.parametrize('task', list(DEMO))
def test_demo_config_trains_and_evaluates(task, glee_world, tmp_path):
    from mmengine.runner import Runner
    import torch
    cfg = _on_tiny_world(load(DEMO[task]), glee_world, str(tmp_path))
    runner = Runner.from_cfg(cfg)
    # the dtypes the model's linears compute in while training
    train_dtypes = set()
    for module in runner.model.modules():
        if isinstance(module, torch.nn.Linear):
            module.register_forward_hook(
                lambda m, i, out: train_dtypes.add(out.dtype)
                if m.training else None)
    runner.train()
    expected_dtype = torch.bfloat16 if task.endswith('bf16') else \
        torch.float32
    assert train_dtypes == {expected_dtype}
    metrics = runner.val_loop.run()
    expected = {'grounding': 'refexp/rec_accuracy',
                'open_world': 'coco/AR@100'}.get(task, 'coco/bbox_mAP')
    assert expected in metrics
    assert osp.isfile(osp.join(str(tmp_path), 'iter_2.pth'))


def test_16_epoch_instance_config_is_the_12_epoch_one_longer():
    """The 16-epoch demo config changes only the length and moves the lr
    steps to the same fractions of training (2/3 and 11/12: epochs 11 and
    15 instead of 8 and 11)."""
    short = load('glee_r18_demo_1xb4-12e_demo-world-instance.py').to_dict()
    long = load('glee_r18_demo_1xb4-16e_demo-world-instance.py').to_dict()
    assert long['train_cfg'] == dict(short['train_cfg'], max_epochs=16)
    assert long['param_scheduler'][0] == short['param_scheduler'][0]
    assert long['param_scheduler'][1] == dict(
        short['param_scheduler'][1], end=16, milestones=[11, 15])
    assert short['param_scheduler'][1]['milestones'] == [8, 11]
    for key in set(short) | set(long):
        if key not in ('train_cfg', 'param_scheduler', 'max_epochs',
                       'filename'):
            assert long.get(key) == short.get(key), key


def test_bf16_instance_config_is_the_12_epoch_one_in_bf16_and_longer():
    """The 24-epoch bf16 demo config changes only the length (lr steps at
    2/3 and 11/12 of training: epochs 16 and 22) and the optimizer
    wrapper (bfloat16 autocast on the CPU)."""
    short = load('glee_r18_demo_1xb4-12e_demo-world-instance.py').to_dict()
    bf16 = load(
        'glee_r18_demo_bf16_1xb4-24e_demo-world-instance.py').to_dict()
    assert bf16['train_cfg'] == dict(short['train_cfg'], max_epochs=24)
    assert bf16['param_scheduler'][0] == short['param_scheduler'][0]
    assert bf16['param_scheduler'][1] == dict(
        short['param_scheduler'][1], end=24, milestones=[16, 22])
    assert bf16['optim_wrapper'] == dict(
        short['optim_wrapper'], type='CPUAutocastOptimWrapper',
        dtype='bfloat16')
    for key in set(short) | set(bf16):
        if key not in ('train_cfg', 'param_scheduler', 'optim_wrapper',
                       'max_epochs', 'filename'):
            assert bf16.get(key) == short.get(key), key


@pytest.mark.parametrize('finetune, task_config, epochs', [
    ('glee_r18_demo-ft-instance_1xb4-1e_demo-world-refcoco.py',
     DEMO['grounding'], 1),
    ('glee_r18_demo-ft-instance_1xb4-2e_demo-world-openworld.py',
     DEMO['open_world'], 2),
])
def test_finetune_configs_are_their_task_from_the_instance_checkpoint(
        finetune, task_config, epochs):
    """A fine-tune config is its task's config started from the 16-epoch
    instance checkpoint, with only the schedule changed: lr 1e-4, warm-up
    from 0.1, a cosine decay over exactly its epochs, one validation at
    the end."""
    scratch = load(task_config).to_dict()
    tuned = load(finetune).to_dict()
    assert tuned['load_from'].endswith(
        'glee_r18_demo_1xb4-16e_demo-world-instance/epoch_16.pth')
    assert tuned['train_cfg'] == dict(scratch['train_cfg'],
                                      max_epochs=epochs, val_interval=epochs)
    warmup, cosine = tuned['param_scheduler']
    assert warmup == dict(type='LinearLR', start_factor=0.1, by_epoch=False,
                          begin=0, end=50)
    assert cosine['type'] == 'CosineAnnealingLR'
    assert cosine['convert_to_iter_based'] is True
    assert (cosine['begin'], cosine['end'], cosine['T_max']) == (0, epochs,
                                                                 epochs)
    assert tuned['optim_wrapper'] == dict(
        scratch['optim_wrapper'],
        optimizer=dict(scratch['optim_wrapper']['optimizer'], lr=1e-4))
    changed = {'load_from', 'train_cfg', 'param_scheduler', 'optim_wrapper',
               'max_epochs', 'filename', 'finetune_lr', 'finetune_warmup',
               'finetune_cosine'}
    for key in set(scratch) | set(tuned):
        if key not in changed:
            assert tuned.get(key) == scratch.get(key), key
