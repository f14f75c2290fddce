"""Build the k-means visual tokenizer of a masked-image-modelling config
(BEiT-3 pretraining, VLMo's image stage).

The config's ``model.visual_tokenizer.codebook`` names the file; this
command makes it from the config's training images, preprocessed exactly
as in training (its pipeline without the mask generator, its data
preprocessor)::

    # k-means over the patches' colour grids (no backbone needed)
    python tools/analysis_tools/build_visual_tokenizer.py \\
        configs/beit3/beit3_multiway-t16_1xb64-5e_demo-world-pretrain.py

    # or over the patch tokens of a frozen image encoder, e.g. the ViT of a
    # trained demo-world ALBEF checkpoint
    python tools/analysis_tools/build_visual_tokenizer.py CONFIG \\
        --source encoder --encoder-key visual_encoder \\
        --encoder-config ALBEF_DEMO_CONFIG \\
        --encoder-checkpoint work_dirs/ALBEF_DEMO_RUN/epoch_15.pth

Every training image is used once (captions of one image share it).
faiss's k-means (``niter`` iterations, seeded) clusters the patch features:
Euclidean for colour grids, spherical (cosine) for encoder tokens. The file
(written atomically) holds the centroids, how to compute the features and
provenance (images, patches, iterations).
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional, Sequence

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO_ROOT)

import numpy as np  # noqa: E402
import torch  # noqa: E402


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('config', help='a config with model.visual_tokenizer')
    parser.add_argument('--out', help='codebook file (default: the config\'s '
                        'model.visual_tokenizer.codebook)')
    parser.add_argument('--num-tokens', type=int,
                        help='codebook size K (default: the config\'s '
                        'model.visual_tokenizer.num_tokens)')
    parser.add_argument('--source', choices=('pixels', 'encoder'),
                        default='pixels')
    parser.add_argument('--pixel-grid', type=int, default=4,
                        help='colour cells per patch side (default: 4)')
    parser.add_argument('--encoder-config',
                        help='config whose model holds the frozen encoder')
    parser.add_argument('--encoder-checkpoint',
                        help='checkpoint of that model')
    parser.add_argument('--encoder-key', default='visual_encoder',
                        help='the encoder\'s attribute in that model')
    parser.add_argument('--max-images', type=int,
                        help='use at most this many training images')
    parser.add_argument('--niter', type=int, default=25,
                        help='k-means iterations (default: 25)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--batch-size', type=int, default=32)
    return parser.parse_args(argv)


def patch_size_of(model_cfg) -> int:
    """The patch side of a VLMo / BEiT-3 config."""
    for key in ('transformer', 'arch'):
        if key in model_cfg and 'patch_size' in model_cfg[key]:
            return int(model_cfg[key]['patch_size'])
    return 16


def training_images(cfg, max_images: Optional[int]):
    """The training set with a pipeline that only loads and resizes, one
    sample per image."""
    from mmvision_plus.registry import DATASETS
    dataset_cfg = cfg.train_dataloader.dataset.copy()
    dataset_cfg.pipeline = [
        t for t in dataset_cfg.pipeline
        if not str(t['type']).endswith('BEiTMaskGenerator')
    ]
    dataset = DATASETS.build(dataset_cfg)
    seen, indices = set(), []
    for index in range(len(dataset)):
        path = dataset.get_data_info(index)['img_path']
        if path not in seen:
            seen.add(path)
            indices.append(index)
    return dataset, indices[:max_images]


def build_encoder(args):
    """The frozen encoder and the config dict stored in the codebook."""
    from mmengine.config import Config

    from mmvision_plus.registry import MODELS
    if not (args.encoder_config and args.encoder_checkpoint):
        raise SystemExit('--source encoder needs --encoder-config and '
                         '--encoder-checkpoint')
    model_cfg = Config.fromfile(args.encoder_config).model
    if args.encoder_key not in model_cfg:
        raise SystemExit(f'{args.encoder_config}: model has no '
                         f'{args.encoder_key!r}')
    encoder_cfg = dict(model_cfg[args.encoder_key].to_dict(),
                       init_cfg=dict(type='Pretrained',
                                     checkpoint=args.encoder_checkpoint,
                                     prefix=f'{args.encoder_key}.'))
    encoder = MODELS.build(encoder_cfg)
    encoder.init_weights()
    return encoder.eval(), encoder_cfg


@torch.no_grad()
def patch_features(args, cfg, encoder) -> np.ndarray:
    """Features (num_images * N, D) of every patch of the training
    images."""
    from mmengine.dataset import pseudo_collate

    from mmvision_plus.models.multimodal.visual_tokenizer import (
        encoder_patch_features, pixel_patch_features)
    from mmvision_plus.registry import MODELS
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    dataset, indices = training_images(cfg, args.max_images)
    patch_size = patch_size_of(cfg.model)
    feats: List[torch.Tensor] = []
    for start in range(0, len(indices), args.batch_size):
        batch = pseudo_collate(
            [dataset[i] for i in indices[start:start + args.batch_size]])
        images = preprocessor(batch, False)['inputs']
        if encoder is None:
            out = pixel_patch_features(images, patch_size, args.pixel_grid)
        else:
            num = (images.size(-2) // patch_size) * (images.size(-1) //
                                                     patch_size)
            out = encoder_patch_features(encoder, images, num)
        feats.append(out.reshape(-1, out.size(-1)))
    print(f'[build_visual_tokenizer] {len(indices)} images, '
          f'{sum(f.size(0) for f in feats)} patches')
    return torch.cat(feats).float().numpy(), len(indices)


def kmeans(features: np.ndarray, num_tokens: int, niter: int, seed: int,
           spherical: bool) -> torch.Tensor:
    """faiss k-means centroids (K, D)."""
    import faiss
    if features.shape[0] < num_tokens:
        raise SystemExit(f'{features.shape[0]} patches for {num_tokens} '
                         'tokens: use more images or fewer tokens')
    km = faiss.Kmeans(features.shape[1], num_tokens, niter=niter, seed=seed,
                      spherical=spherical, verbose=False)
    km.train(np.ascontiguousarray(features))
    return torch.from_numpy(km.centroids.copy())


def main(argv: Optional[Sequence[str]] = None) -> str:
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from mmvision_plus.models.multimodal.visual_tokenizer import \
        save_codebook
    from mmvision_plus.utils import register_all_modules
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    tokenizer = cfg.model.get('visual_tokenizer') or {}
    out = args.out or tokenizer.get('codebook')
    num_tokens = args.num_tokens or tokenizer.get('num_tokens')
    if not out or not num_tokens:
        raise SystemExit(f'{args.config}: no model.visual_tokenizer.codebook '
                         '/ num_tokens; give --out / --num-tokens')
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        encoder, encoder_cfg = build_encoder(args) \
            if args.source == 'encoder' else (None, None)
        features, num_images = patch_features(args, cfg, encoder)
    centroids = kmeans(features, num_tokens, args.niter, args.seed,
                       spherical=args.source == 'encoder')
    save_codebook(out, centroids, args.source, patch_size_of(cfg.model),
                  pixel_grid=args.pixel_grid
                  if args.source == 'pixels' else None,
                  encoder=encoder_cfg,
                  meta=dict(config=args.config, images=num_images,
                            patches=int(features.shape[0]),
                            niter=args.niter, seed=args.seed))
    print(f'[build_visual_tokenizer] wrote {out}: {num_tokens} tokens '
          f'of {centroids.size(1)}-d {args.source} features')
    return out


if __name__ == '__main__':
    main()
