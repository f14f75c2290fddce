"""The files a curation run writes, all atomically (:mod:`.atomic_io`)::

    <out_dir>/
      selected_images.txt   the curated pretraining list: one absolute path
                            per line, each once (the retrieved pool images
                            in pool order, after the curated images
                            themselves with ``include_curated``)
      sources.json          for every listed image where it came from: the
                            curated images that retrieved it (rank and
                            cosine for N-NN retrieval) or the cluster it
                            was sampled from
      report.json           counts removed at every step, cluster-size
                            statistics, final size, parameters, timings,
                            and which images were removed and why
      report.txt            the same counts as a human-readable summary

``report.json`` is written last: when it is there, the others are complete
and belong to the same run.
"""
import os
import os.path as osp
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional

import numpy as np

from .atomic_io import write_json_atomic, write_text_atomic
from .selection import CurationParams, CurationResult

LIST_FILE = 'selected_images.txt'
SOURCES_FILE = 'sources.json'
REPORT_FILE = 'report.json'
SUMMARY_FILE = 'report.txt'


@dataclass
class ImageSet:
    """One input set and its features.

    Attributes:
        source: Where it came from (folder, list or COCO file, or a
            description for synthetic sets).
        paths: (N) image paths, in source order.
        feats: (N, D) features; NaN rows for unreadable images.
    """
    source: str
    paths: List[str]
    feats: np.ndarray

    @property
    def readable(self) -> np.ndarray:
        """(N,) bool: rows with features."""
        return np.isfinite(self.feats).all(1)

    @property
    def readable_paths(self) -> List[str]:
        return [p for p, ok in zip(self.paths, self.readable) if ok]

    @property
    def unreadable_paths(self) -> List[str]:
        return [p for p, ok in zip(self.paths, self.readable) if not ok]


def cluster_size_stats(sizes: np.ndarray, bins: int = 10) -> dict:
    """Summary of the (k,) cluster sizes: min / max / mean / median / std,
    empty clusters and a ``bins``-bin histogram (edges and counts)."""
    counts, edges = np.histogram(sizes, bins=min(bins, len(sizes)))
    return dict(
        num_clusters=int(len(sizes)), min=int(sizes.min()),
        max=int(sizes.max()), mean=float(sizes.mean()),
        median=float(np.median(sizes)), std=float(sizes.std()),
        empty=int((sizes == 0).sum()),
        histogram=dict(bin_edges=[round(float(e), 2) for e in edges],
                       counts=counts.tolist()))


def _origin_record(path: str, pool_index: int, cluster: int,
                   brought_by: List[dict], curated_paths: List[str]) -> dict:
    by = [dict(r, curated=curated_paths[r['query']]) for r in brought_by]
    for record in by:
        del record['query']
    return dict(path=path, origin='pool', pool_index=pool_index,
                cluster=cluster, brought_by=by)


def build_outputs(curated: ImageSet, pool: ImageSet,
                  eval_set: Optional[ImageSet], result: CurationResult,
                  params: CurationParams, embedding: dict,
                  include_curated: bool = False) -> Dict[str, object]:
    """The list, sources and report of a run (nothing written).

    Args:
        curated / pool / eval_set: The inputs; ``result`` indexes their
            readable rows.
        result: From :func:`~.selection.curate_embeddings`.
        params: Its parameters.
        embedding: How the features were made (fingerprint, or a synthetic
            description), copied into the report.
        include_curated: Put the curated images first in the list.

    Returns:
        dict: ``list`` (paths), ``sources`` and ``report`` (JSON-able).
    """
    curated_paths = curated.readable_paths
    pool_paths = pool.readable_paths
    eval_paths = eval_set.readable_paths if eval_set is not None else []
    entries: List[dict] = []
    listed = set()
    if include_curated:
        for path in curated_paths:
            entries.append(dict(path=path, origin='curated'))
            listed.add(path)
    for i, by in zip(result.selected.tolist(), result.brought_by):
        if pool_paths[i] not in listed:
            entries.append(_origin_record(pool_paths[i], i,
                                          int(result.cluster[i]), by,
                                          curated_paths))
            listed.add(pool_paths[i])

    copies = np.flatnonzero(result.duplicate_of >= 0)
    evals = np.flatnonzero(result.eval_match >= 0)
    clustered = int((result.cluster >= 0).sum())
    retrieved = len(result.selected)
    touched = len(np.unique(result.cluster[result.selected]))
    sets = dict(curated=curated, pool=pool)
    if eval_set is not None:
        sets['eval'] = eval_set
    report = dict(
        inputs={name: dict(source=s.source, images=len(s.paths),
                           unreadable=len(s.unreadable_paths))
                for name, s in sets.items()},
        embedding=embedding,
        params=asdict(params),
        pool_accounting=dict(
            listed=len(pool.paths), unreadable=len(pool.unreadable_paths),
            near_duplicates=len(copies), near_eval=len(evals),
            clustered=clustered),
        steps=dict(
            deduplication=dict(
                threshold=params.dedup_threshold, removed=len(copies),
                groups=len(np.unique(result.duplicate_of[copies]))),
            eval_filter=dict(
                threshold=params.eval_threshold,
                enabled=eval_set is not None, removed=len(evals)),
            kmeans=dict(k=params.num_clusters, niter=params.kmeans_iters,
                        seed=params.seed, spherical=True,
                        cluster_sizes=cluster_size_stats(
                            result.cluster_sizes)),
            retrieval=dict(
                rule=result.rule, curated_images=len(curated_paths),
                small_query_size=params.small_query_size,
                per_query=(params.num_neighbours if result.rule == 'knn'
                           else params.cluster_samples),
                retrieved=result.num_retrieved, unique=retrieved,
                collisions=result.num_retrieved - retrieved,
                clusters_touched=touched)),
        final=dict(size=len(entries), retrieved_pool_images=sum(
            e['origin'] == 'pool' for e in entries),
                   curated_images=sum(e['origin'] == 'curated'
                                      for e in entries)),
        timings_s={k: round(v, 3) for k, v in result.timings.items()},
        removed=dict(
            unreadable={name: s.unreadable_paths for name, s in sets.items()},
            near_duplicates=[
                dict(path=pool_paths[i],
                     kept=pool_paths[int(result.duplicate_of[i])])
                for i in copies.tolist()],
            near_eval=[
                dict(path=pool_paths[i],
                     eval_image=eval_paths[int(result.eval_match[i])],
                     similarity=float(result.eval_similarity[i]))
                for i in evals.tolist()]))
    sources = dict(rule=result.rule, images=entries)
    return dict(list=[e['path'] for e in entries], sources=sources,
                report=report)


def format_summary(report: dict) -> str:
    """Human-readable summary of a report."""
    acc = report['pool_accounting']
    steps = report['steps']
    sizes = steps['kmeans']['cluster_sizes']
    ret = steps['retrieval']
    lines = ['Data curation report', '']
    for name, info in report['inputs'].items():
        lines.append(f'{name:>8}: {info["images"]} images '
                     f'({info["unreadable"]} unreadable) from '
                     f'{info["source"]}')
    lines += [
        '', 'pool:',
        f'  listed                 {acc["listed"]}',
        f'  - unreadable           {acc["unreadable"]}',
        f'  - near-duplicates      {acc["near_duplicates"]} '
        f'(cosine >= {steps["deduplication"]["threshold"]}, '
        f'{steps["deduplication"]["groups"]} groups, one image kept each)',
        f'  - near evaluation set  {acc["near_eval"]}' + (
            f' (cosine >= {steps["eval_filter"]["threshold"]})'
            if steps['eval_filter']['enabled'] else ' (no evaluation set)'),
        f'  = clustered            {acc["clustered"]}',
        '',
        f'k-means: k={sizes["num_clusters"]}, cluster sizes min '
        f'{sizes["min"]} / median {sizes["median"]:g} / mean '
        f'{sizes["mean"]:.1f} / max {sizes["max"]}, {sizes["empty"]} empty',
        '  size histogram: ' + ', '.join(
            f'[{a:g}, {b:g}): {c}' for a, b, c in zip(
                sizes['histogram']['bin_edges'][:-1],
                sizes['histogram']['bin_edges'][1:],
                sizes['histogram']['counts'])),
        '',
    ]
    if ret['rule'] == 'knn':
        lines.append(f'retrieval: {ret["per_query"]} nearest pool images per '
                     f'curated image ({ret["curated_images"]} curated >= '
                     f'small_query_size {ret["small_query_size"]})')
    else:
        lines.append(f'retrieval: {ret["per_query"]} images sampled from the '
                     f'cluster of each curated image ({ret["curated_images"]}'
                     f' curated < small_query_size '
                     f'{ret["small_query_size"]})')
    final = report['final']
    lines += [
        f'  retrieved {ret["retrieved"]}, unique {ret["unique"]} '
        f'({ret["collisions"]} collisions), from {ret["clusters_touched"]} '
        'clusters',
        '',
        f'final list: {final["size"]} images ({final["retrieved_pool_images"]}'
        f' retrieved + {final["curated_images"]} curated)',
        'timings (s): ' + ', '.join(f'{k} {v}'
                                   for k, v in report['timings_s'].items()),
    ]
    return '\n'.join(lines) + '\n'


def write_outputs(out_dir: str, outputs: Dict[str, object]) -> Dict[str,
                                                                     str]:
    """Write the files of :func:`build_outputs` (report.json last).

    Returns:
        dict: File paths by kind (``list``, ``sources``, ``report``,
        ``summary``).
    """
    os.makedirs(out_dir, exist_ok=True)
    files = dict(list=osp.join(out_dir, LIST_FILE),
                 sources=osp.join(out_dir, SOURCES_FILE),
                 summary=osp.join(out_dir, SUMMARY_FILE),
                 report=osp.join(out_dir, REPORT_FILE))
    report = dict(outputs['report'], files=files)
    write_text_atomic(files['list'],
                      ''.join(p + '\n' for p in outputs['list']))
    write_json_atomic(files['sources'], outputs['sources'], indent=None)
    write_text_atomic(files['summary'], format_summary(report))
    write_json_atomic(files['report'], report)
    return files
