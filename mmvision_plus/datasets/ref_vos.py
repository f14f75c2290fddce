"""Referring video object segmentation (R-VOS) data: videos in the CocoVID
layout (mmdet's video datasets) plus Ref-YouTube-VOS expressions.

One sample per (video, expression): every frame of the video, its ``text``
the expression, its GT only the referred object. The expressions file has
the Ref-YouTube-VOS ``meta_expressions.json`` layout::

    {"videos": {"<video folder>": {"expressions": {
        "0": {"exp": "a person riding a bike", "obj_id": "1"}, ...}}}}

where ``obj_id`` is the ``instance_id`` of the object's annotations in
the CocoVID json (``tools/dataset_converters/vos2cocovid.py`` writes them
so for Ref-YouTube-VOS / DAVIS; ``tools/data/make_demo_world_rvos.py`` for
the demo world) and the video folder is the folder of its frames'
``file_name``.
"""
import copy
import os.path as osp
from typing import List

import mmengine
from mmdet.datasets import BaseVideoDataset

from mmvision_plus.registry import DATASETS


class RefVOSFormatError(ValueError):
    """An expressions file that does not fit its videos."""


@DATASETS.register_module()
class RefVOSDataset(BaseVideoDataset):
    """Videos x expressions (see the module docstring).

    Args:
        expression_file (str): The ``meta_expressions.json``, relative to
            ``data_root`` unless absolute.
        *args, **kwargs: mmdet's ``BaseVideoDataset`` arguments
            (``ann_file``: the CocoVID json).
    """

    def __init__(self, *args, expression_file: str, **kwargs) -> None:
        self.expression_file = expression_file
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        """One entry per (video, expression)."""
        videos = super().load_data_list()
        path = self.expression_file
        if not osp.isabs(path) and self.data_root:
            path = osp.join(self.data_root, path)
        if not osp.isfile(path):
            raise FileNotFoundError(f'RefVOSDataset: expressions file {path} '
                                    'not found')
        meta = mmengine.load(path)
        if not isinstance(meta, dict) or 'videos' not in meta:
            raise RefVOSFormatError(f'{path}: no "videos" key (the '
                                    'Ref-YouTube-VOS meta_expressions layout)')
        data_list = []
        for video in videos:
            name = osp.dirname(video['images'][0]['file_name'])
            entry = meta['videos'].get(name)
            if entry is None:
                continue
            objects = {inst['instance_id'] for frame in video['images']
                       for inst in frame['instances']}
            for exp_id, expression in sorted(
                    entry.get('expressions', {}).items(),
                    key=lambda kv: int(kv[0]) if kv[0].isdigit() else kv[0]):
                obj_id = int(expression['obj_id'])
                if obj_id not in objects:
                    raise RefVOSFormatError(
                        f'{path}: video {name!r} expression {exp_id}: '
                        f'obj_id {obj_id} has no annotation in '
                        f'{self.ann_file}')
                sample = copy.deepcopy(video)
                for frame in sample['images']:
                    frame['instances'] = [
                        i for i in frame['instances']
                        if i['instance_id'] == obj_id
                    ]
                    frame['text'] = [expression['exp']]
                    frame['expression_id'] = f'{name}/{exp_id}'
                data_list.append(sample)
        if not data_list and not self.test_mode:
            raise RefVOSFormatError(f'{path}: no expression matches a video '
                                    f'of {self.ann_file}')
        return data_list
