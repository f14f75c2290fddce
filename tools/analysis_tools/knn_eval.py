"""Weighted k-NN evaluation of frozen features (DINO / DINOv2 protocol).

Extracts L2-normalised features of the training and validation sets of a
classifier config (the training set through the *test* pipeline, i.e.
without augmentation), classifies every validation image by the
similarity-weighted vote of its k nearest training images
(weights ``exp(cos / T)``) and prints top-1 / top-5 accuracy.

Example::

    python tools/analysis_tools/knn_eval.py \
        configs/dinov2/dinov2-linear_vit-t14-det_1xb64-6e_demo-world-crops.py
    python tools/analysis_tools/knn_eval.py CONFIG --checkpoint CKPT \
        --k 10 20 100 --feature neck --out knn.json

Without ``--checkpoint`` the model's own ``init_cfg`` applies (for the
ImageNet config: the official DINOv2 checkpoint file); random weights are
drawn with the config's ``randomness.seed``. ``--record PATH`` adds the
results to the run's results record (section ``knn``, see
:mod:`mmvision_plus.utils.results_record`).
"""
import argparse
import json
from copy import deepcopy
from typing import Tuple

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint, set_random_seed
from torch import Tensor, nn

from mmvision_plus.evaluation.functional import knn_accuracy
from mmvision_plus.registry import MODELS
from mmvision_plus.utils.results_record import (RunSession, open_record,
                                                write_evaluation)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='classifier config file')
    parser.add_argument('--checkpoint', help='checkpoint of the whole model')
    parser.add_argument('--k', type=int, nargs='+', default=[20],
                        help='numbers of neighbours (default: 20)')
    parser.add_argument('--temperature', type=float, default=0.07,
                        help='voting temperature T (default: 0.07)')
    parser.add_argument(
        '--feature', choices=['cls', 'neck'], default='cls',
        help="'cls': the backbone's normalised class token (official "
        "DINOv2 k-NN); 'neck': the classifier's extract_feat output")
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--num-workers', type=int, default=0)
    parser.add_argument('--out', help='write the accuracies to this json')
    parser.add_argument(
        '--record', metavar='PATH.json',
        help='add the accuracies (section "knn") to this results record, '
        'e.g. configs/<algo>/results/<config>_seed<k>.json')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    return parser.parse_args()


def build_loader(cfg: Config, split: str, batch_size: int,
                 num_workers: int) -> torch.utils.data.DataLoader:
    """Dataloader over ``split`` ('train' or 'val') with the test pipeline."""
    test_loader = cfg.get('test_dataloader') or cfg.val_dataloader
    dataset = deepcopy(cfg[f'{split}_dataloader'].dataset)
    dataset.pipeline = deepcopy(test_loader.dataset.pipeline)
    return Runner.build_dataloader(
        dict(batch_size=batch_size, num_workers=num_workers,
             dataset=dataset, sampler=dict(type='DefaultSampler',
                                           shuffle=False)))


@torch.no_grad()
def extract(model: nn.Module, loader: torch.utils.data.DataLoader,
            feature: str) -> Tuple[Tensor, Tensor]:
    """Features (N, C) and labels (N,) of a whole dataloader."""
    feats, labels = [], []
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        inputs = data['inputs']
        if feature == 'cls':
            if not hasattr(model.backbone, 'forward_features'):
                raise TypeError(f'--feature cls needs a backbone with '
                                'forward_features(); '
                                f'{type(model.backbone).__name__} has none')
            out = model.backbone.forward_features(inputs)['x_norm_clstoken']
        else:
            out = model.extract_feat(inputs)
            out = out[-1] if isinstance(out, (tuple, list)) else out
        feats.append(out.flatten(1).float())
        labels.extend(int(s.gt_label[0]) for s in data['data_samples'])
    return torch.cat(feats), torch.tensor(labels)


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmvision_plus'))
    randomness = cfg.get('randomness') or {}
    seed = randomness.get('seed')
    session = None
    if args.record:
        # A record of another config or seed fails now, not after the run.
        open_record(args.record, args.config, seed)
        session = RunSession(cfg, args.cfg_options)
    if seed is not None:
        set_random_seed(seed, randomness.get('deterministic', False))

    model = MODELS.build(cfg.model)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, map_location='cpu')
    else:
        model.init_weights()
    model.eval()

    train_feats, train_labels = extract(
        model, build_loader(cfg, 'train', args.batch_size, args.num_workers),
        args.feature)
    val_loader = build_loader(cfg, 'val', args.batch_size, args.num_workers)
    val_feats, val_labels = extract(model, val_loader, args.feature)
    classes = val_loader.dataset.metainfo.get('classes')
    num_classes = len(classes) if classes else int(
        max(train_labels.max(), val_labels.max())) + 1

    results = knn_accuracy(train_feats, train_labels, val_feats, val_labels,
                           num_classes, ks=args.k,
                           temperature=args.temperature)
    print(f'k-NN on {len(train_labels)} train / {len(val_labels)} val '
          f'images, {num_classes} classes, feature={args.feature}, '
          f'T={args.temperature}')
    for name, value in results.items():
        print(f'  {name}: {value:.2f}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
    if args.record:
        write_evaluation(
            args.record, 'knn', args.config, seed,
            randomness.get('deterministic', False), session, results,
            args.checkpoint,
            arguments=dict(k=args.k, temperature=args.temperature,
                           feature=args.feature))


if __name__ == '__main__':
    main()
