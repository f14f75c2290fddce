"""RefCOCO in mmdet's layout: ``refcoco/instances.json`` (COCO instances of
the referred images) and ``refcoco/refs(unc).p`` (the referring
expressions, as in the UNC release).

Every scene object gets 2-3 expressions unique within its image; train
scenes form split ``train``, val scenes are divided into ``val``,
``testA`` and ``testB`` (2:1:1).
"""
from typing import Dict, List

from ..language import referring_expressions, tokens
from ..storage import dump_json, dump_pickle
from .base import SceneRecord, ScenePartWriter
from .coco_instances import coco_categories, coco_header

_VAL_SPLITS = ('val', 'val', 'testA', 'testB')  # by val scene index % 4


class RefCocoWriter(ScenePartWriter):
    """Part ``refcoco``: ref and sentence ids run on across splits."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.images: List[dict] = []
        self.annotations: List[dict] = []
        self.refs: List[dict] = []
        self.next_sent_id = 0

    def add(self, record: SceneRecord) -> None:
        if record.split == 'train':
            ref_split = 'train'
        else:
            ref_split = _VAL_SPLITS[record.index % 4]
        image_info = dict(record.image_info,
                          file_name=f'{record.split}/{record.file_name}')
        self.images.append(image_info)
        self.annotations.extend(record.annotations)
        for i, ann in enumerate(record.annotations):
            sentences = []
            for raw in referring_expressions(record.scene, i, self.img_size):
                words = tokens(raw)
                sentences.append(dict(tokens=words, raw=raw,
                                      sent_id=self.next_sent_id,
                                      sent=' '.join(words)))
                self.next_sent_id += 1
            self.refs.append(dict(
                sent_ids=[s['sent_id'] for s in sentences],
                file_name=image_info['file_name'], ann_id=ann['id'],
                ref_id=len(self.refs), image_id=ann['image_id'],
                split=ref_split, sentences=sentences,
                category_id=ann['category_id']))

    def close(self) -> Dict[str, int]:
        root = self.root / 'refcoco'
        dump_json(dict(coco_header('mmvision_plus demo world refcoco',
                                   self.seed),
                       images=self.images, annotations=self.annotations,
                       categories=coco_categories()),
                  root / 'instances.json')
        dump_pickle(self.refs, root / 'refs(unc).p')
        return dict(refs=len(self.refs))
