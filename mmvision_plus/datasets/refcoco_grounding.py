"""RefCOCO / RefCOCO+ / RefCOCOg as grounding samples: one expression, one
target box and mask.

mmdet 3.3.0's ``RefCocoDataset`` reads the same two files (``instances.json``
and ``refs(unc).p``) but yields one sample per *image* with all its
expressions and masks only (no boxes), for referring segmentation in
X-Decoder; its ``MDETRStyleRefCocoDataset`` needs MDETR's converted json.
REC (box) and RES (mask) training and evaluation need one sample per
expression with its object's box and mask, which this dataset gives.
"""
import os.path as osp
from typing import List

import mmengine
from mmdet.datasets import BaseDetDataset

from mmvision_plus.registry import DATASETS


class RefCocoFormatError(ValueError):
    """A RefCOCO file that does not hold what the dataset needs."""


@DATASETS.register_module()
class RefCocoGroundingDataset(BaseDetDataset):
    """One sample per referring expression of a RefCOCO-format split.

    Layout (as mmdet's ``RefCocoDataset``)::

        data_root/
          ann_file        COCO json with the images and annotations
          split_file      refs(unc).p / refs(umd).p / refs(google).p pickle
          data_prefix.img the image folder (``file_name`` joined to it)

    Each sample: ``img_path``, ``img_id``, ``height``, ``width``, ``text``
    (a one-element list: the expression, lower-cased), ``ref_id``,
    ``sent_id`` and one instance (``bbox`` xyxy, ``bbox_label`` 0,
    ``mask``, ``ignore_flag`` 0).

    Args:
        split_file (str): The refs pickle, relative to ``data_root``.
        split (str): ``train``, ``val``, ``testA``, ``testB``, ``test``.
        **kwargs: ``BaseDetDataset`` arguments (``ann_file``,
            ``data_root``, ``data_prefix=dict(img=...)``, ``pipeline``...).
    """

    METAINFO = dict(classes=('object', ))

    def __init__(self, split_file: str, split: str = 'train',
                 **kwargs) -> None:
        self.split_file = split_file
        self.split = split
        super().__init__(**kwargs)

    def _join_prefix(self) -> None:
        if self.split_file and not mmengine.is_abs(self.split_file):
            self.split_file = osp.join(self.data_root, self.split_file)
        super()._join_prefix()

    def load_data_list(self) -> List[dict]:
        """Read the split's expressions.

        Raises:
            RefCocoFormatError: A ref names an annotation or image the json
                lacks, a field is missing, or the split is empty.
        """
        refs = mmengine.load(self.split_file, file_format='pkl')
        coco = mmengine.load(self.ann_file, file_format='json')
        anns = {ann['id']: ann for ann in coco['annotations']}
        imgs = {img['id']: img for img in coco['images']}
        img_prefix = self.data_prefix.get('img', '')
        data_list = []
        for k, ref in enumerate(refs):
            if ref.get('split') != self.split:
                continue
            where = f'{self.split_file}: refs[{k}]'
            try:
                ann = anns[ref['ann_id']]
                img = imgs[ref['image_id']]
                sentences = ref['sentences']
            except KeyError as e:
                raise RefCocoFormatError(
                    f'{where}: missing or unknown {e} (annotation file '
                    f'{self.ann_file})') from e
            x, y, w, h = ann['bbox']
            instance = dict(
                bbox=[x, y, x + w, y + h],
                bbox_label=0,
                mask=ann['segmentation'],
                ignore_flag=0)
            for sentence in sentences:
                data_list.append(
                    dict(
                        img_path=osp.join(img_prefix, img['file_name']),
                        img_id=img['id'],
                        height=img['height'],
                        width=img['width'],
                        text=[sentence['raw'].lower()],
                        ref_id=ref['ref_id'],
                        sent_id=sentence['sent_id'],
                        instances=[dict(instance)]))
        if not data_list:
            raise RefCocoFormatError(
                f'{self.split_file}: no expression in split {self.split!r}')
        return data_list
