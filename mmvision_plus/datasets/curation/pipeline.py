"""End-to-end curation runs: image sources or synthetic embeddings in,
list / sources / report files out (what ``tools/data/curate.py`` calls)."""
import os.path as osp
import time
from typing import Dict, Optional

from mmengine.logging import MMLogger

from .feature_cache import Embedder, embed_images
from .image_lists import load_image_list
from .outputs import ImageSet, build_outputs, write_outputs
from .selection import CurationParams, curate_embeddings
from .synthetic import make_synthetic_embeddings

ROLES = ('curated', 'pool', 'eval')


def _run(sets: Dict[str, ImageSet], params: CurationParams, embedding: dict,
         out_dir: str, include_curated: bool, features_step: str,
         features_seconds: float) -> dict:
    for name, image_set in sets.items():
        if not image_set.readable.any():
            raise ValueError(f'{name} ({image_set.source}): none of its '
                             f'{len(image_set.paths)} images could be read')
    eval_set = sets.get('eval')
    result = curate_embeddings(
        sets['curated'].feats[sets['curated'].readable],
        sets['pool'].feats[sets['pool'].readable],
        None if eval_set is None else eval_set.feats[eval_set.readable],
        params)
    result.timings = {features_step: features_seconds, **result.timings}
    outputs = build_outputs(sets['curated'], sets['pool'], eval_set, result,
                            params, embedding, include_curated)
    files = write_outputs(out_dir, outputs)
    return dict(outputs['report'], files=files)


def curate_image_sources(curated: str,
                         pool: str,
                         out_dir: str,
                         embedder: Embedder,
                         eval_source: Optional[str] = None,
                         roots: Optional[Dict[str, str]] = None,
                         params: Optional[CurationParams] = None,
                         cache_dir: Optional[str] = None,
                         shard_size: int = 1024,
                         include_curated: bool = False,
                         progress: bool = True) -> dict:
    """Embed, filter, cluster and retrieve; write the outputs.

    Args:
        curated: Curated (query) images: folder, ``.txt`` list or COCO
            ``.json`` (see :func:`~.image_lists.load_image_list`).
        pool: The uncurated pool, same kinds.
        out_dir: Where the files of :mod:`.outputs` go.
        embedder: An :class:`~.embedding.ImageEmbedder` (or any callable
            with its signature and a ``fingerprint``).
        eval_source: Optional evaluation images to keep away from.
        roots: Root folder of relative paths per role (``'curated'``,
            ``'pool'``, ``'eval'``) for list / COCO files.
        params: Selection parameters.
        cache_dir: Embedding cache; one sub-folder per role. None: no
            cache.
        shard_size: Images per cache shard.
        include_curated: List the curated images too (first).
        progress: Show progress bars.

    Returns:
        dict: The report (also in ``out_dir/report.json``).
    """
    roots = roots or {}
    unknown = set(roots) - set(ROLES)
    if unknown:
        raise ValueError(f'roots: unknown roles {sorted(unknown)}, expected '
                         f'some of {ROLES}')
    logger = MMLogger.get_current_instance()
    sets: Dict[str, ImageSet] = {}
    tic = time.perf_counter()
    for name, source in zip(ROLES, (curated, pool, eval_source)):
        if source is None:
            continue
        paths = load_image_list(source, roots.get(name))
        logger.info(f'{name}: {len(paths)} images from {source}')
        feats = embed_images(
            paths, embedder,
            None if cache_dir is None else osp.join(cache_dir, name),
            shard_size, progress)
        sets[name] = ImageSet(source, paths, feats)
    return _run(sets, params or CurationParams(), embedder.fingerprint,
                out_dir, include_curated, 'embedding',
                time.perf_counter() - tic)


def curate_synthetic(num_pool: int, out_dir: str, dim: int = 256,
                     params: Optional[CurationParams] = None,
                     seed: int = 0, include_curated: bool = False) -> dict:
    """Curate :func:`~.synthetic.make_synthetic_embeddings` data.

    Image "paths" are ``synthetic/<role>/<index>``. The report's
    ``embedding`` entry describes the generator and what it planted,
    ``timings_s`` the generation and every step.

    Args:
        num_pool: Pool size.
        out_dir: Output folder.
        dim: Feature dimension.
        params: Selection parameters.
        seed: Generator seed.
        include_curated: List the curated images too.

    Returns:
        dict: The report.
    """
    tic = time.perf_counter()
    data = make_synthetic_embeddings(num_pool, dim, seed=seed)
    sets = {
        name: ImageSet(f'synthetic {name} embeddings',
                       [f'synthetic/{name}/{i:07d}' for i in range(len(f))],
                       f)
        for name, f in (('curated', data.curated), ('pool', data.pool),
                        ('eval', data.eval))
    }
    embedding = dict(synthetic=True, dim=dim, seed=seed,
                     planted_duplicates=int((data.duplicate_of >= 0).sum()),
                     planted_near_eval=int((data.eval_source >= 0).sum()))
    return _run(sets, params or CurationParams(), embedding, out_dir,
                include_curated, 'generation', time.perf_counter() - tic)
