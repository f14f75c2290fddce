"""Semantic segmentation labels from COCO-format instance annotations."""
import os.path as osp
from typing import List, Sequence

from mmengine.dataset import BaseDataset
from mmengine.fileio import load

from mmvision_plus.registry import DATASETS


@DATASETS.register_module()
class CocoSemSegDataset(BaseDataset):
    """Images of a COCO instances file with their instance polygons, to be
    rasterised into a semantic map by
    :class:`~mmvision_plus.datasets.transforms.RasterizeCocoSemSeg`.

    Label 0 is the background; the categories (all of the file, sorted by
    id, or those named in ``metainfo['classes']``, in that order) get labels
    ``1..K``. After loading, ``metainfo['classes']`` is
    ``('background', *category_names)``. Annotations of other categories
    are dropped.

    Each ``data_list`` entry: ``img_path``, ``img_id``, ``height``,
    ``width`` and ``seg_instances``, a list of ``{label, segmentation,
    iscrowd}`` in annotation-file order.

    Args:
        ann_file (str): COCO instances json, relative to ``data_root``.
        data_root (str): Dataset root.
        data_prefix (dict): ``img``: image directory relative to
            ``data_root``.
        metainfo (dict, optional): ``classes``: foreground category names
            to keep (background excluded).
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO: dict = dict(classes=None)

    def __init__(self,
                 ann_file: str,
                 data_root: str = '',
                 data_prefix: dict = dict(img=''),
                 **kwargs) -> None:
        super().__init__(ann_file=ann_file, data_root=data_root,
                         data_prefix=data_prefix, **kwargs)

    def _select_categories(self, categories: Sequence[dict]) -> List[dict]:
        wanted = self._metainfo.get('classes')
        categories = sorted(categories, key=lambda c: c['id'])
        if wanted is None:
            return categories
        by_name = {c['name']: c for c in categories}
        missing = [name for name in wanted if name not in by_name]
        if missing:
            raise ValueError(f'CocoSemSegDataset: classes {missing} are not '
                             f'categories of {self.ann_file} (it has '
                             f'{sorted(by_name)})')
        return [by_name[name] for name in wanted]

    def load_data_list(self) -> List[dict]:
        """Read the COCO json into per-image records."""
        coco = load(self.ann_file)
        for key in ('images', 'annotations', 'categories'):
            if key not in coco:
                raise ValueError(f'CocoSemSegDataset: {self.ann_file} lacks '
                                 f'the COCO key {key!r}')
        categories = self._select_categories(coco['categories'])
        label_of = {c['id']: i + 1 for i, c in enumerate(categories)}
        self._metainfo['classes'] = ('background', ) + tuple(
            c['name'] for c in categories)

        instances = {img['id']: [] for img in coco['images']}
        for i, ann in enumerate(coco['annotations']):
            if ann.get('image_id') not in instances:
                raise ValueError(f'CocoSemSegDataset: annotation {i} of '
                                 f'{self.ann_file} refers to unknown image '
                                 f"id {ann.get('image_id')!r}")
            if ann['category_id'] not in label_of:
                continue
            if 'segmentation' not in ann:
                raise ValueError(f'CocoSemSegDataset: annotation {i} (id '
                                 f"{ann.get('id')}) of {self.ann_file} has "
                                 "no 'segmentation'")
            instances[ann['image_id']].append(
                dict(label=label_of[ann['category_id']],
                     segmentation=ann['segmentation'],
                     iscrowd=int(ann.get('iscrowd', 0))))
        img_dir = self.data_prefix.get('img', '')
        return [
            dict(img_path=osp.join(img_dir, img['file_name']),
                 img_id=img['id'], height=img['height'], width=img['width'],
                 seg_instances=instances[img['id']])
            for img in coco['images']
        ]
