"""Text-based person search datasets: CUHK-PEDES, ICFG-PEDES, RSTPReid.

All three ship one JSON list of image records, each with a person id, an
image path, a list of captions and a split name; they differ only in the
file name and the image-path field. Images live under ``data_root/imgs/``
(the layout of the public releases, as IRRA reads them)::

    CUHK-PEDES/imgs/<file_path>    CUHK-PEDES/reid_raw.json
    ICFG-PEDES/imgs/<file_path>    ICFG-PEDES/ICFG-PEDES.json
    RSTPReid/imgs/<img_path>       RSTPReid/data_captions.json
"""
import os.path as osp
from typing import Any, List, Optional, Sequence

from mmengine.dataset import BaseDataset
from mmengine.fileio import exists, load

from mmvision_plus.registry import DATASETS
from .annotation_records import locate_record

SPLITS = ('train', 'val', 'test')


class PEDESDataset(BaseDataset):
    """Base class of the text-based person search (TBPS) datasets.

    Records are assigned to splits as the datasets define them: split
    ``'train'``, ``'test'``, and any other string is validation. Person ids
    of the selected split are sorted and remapped to ``0..K-1``
    (``gt_label``, the target of the ID loss); the original id is kept as
    ``pid``. ``K`` is :attr:`num_pids` (and ``metainfo['num_pids']``).

    Sample layouts (``data_list`` entries, before the pipeline):

    * ``test_mode=False`` (training): one sample per (image, caption) pair,
      ``{img_path, text: str, gt_label, pid, image_id}``.
    * ``test_mode=True`` (evaluation): one sample per image carrying ALL its
      captions, ``{img_path, text: list[str], gt_label, pid, image_id}``.
      The model encodes the image and every caption, and
      :class:`~mmvision_plus.evaluation.TextImageRetrievalMetric` builds the
      text-query set (every caption, in image then caption order, as IRRA
      orders it) and the image gallery (every image) from the outputs.

    ``image_id`` numbers the images of the split from 0 in file order.

    Every record is validated when the annotation file is loaded: a missing
    field, a non-string split, a non-integer id, a caption list that is
    empty or holds an empty / non-string caption, or (for the selected
    split) an image file that does not exist raises ``ValueError`` naming
    the annotation file, the record index and its id.

    Args:
        data_root (str): Dataset root, e.g. ``data/CUHK-PEDES``.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        ann_file (str, optional): Annotation file relative to ``data_root``.
            Defaults to the dataset's published file name.
        data_prefix (dict): ``img_path``: image directory relative to
            ``data_root``. Defaults to ``dict(img_path='imgs')``.
        test_mode (bool): Select the evaluation layout. Defaults to False.
        check_images (bool): Check that every image of the selected split
            exists at load time. Defaults to True.
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`
            (``pipeline``, ``lazy_init``, ``indices``, ...).
    """

    #: Published annotation file name, relative to ``data_root``.
    DEFAULT_ANN_FILE: str = ''
    #: Record field holding the image path relative to the image directory.
    PATH_KEY: str = 'file_path'

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 data_prefix: Optional[dict] = None,
                 test_mode: bool = False,
                 check_images: bool = True,
                 **kwargs) -> None:
        if split not in SPLITS:
            raise ValueError(f'{self.__class__.__name__}: split must be one '
                             f'of {SPLITS}, got {split!r}')
        self.split = split
        self.check_images = check_images
        super().__init__(
            ann_file=self.DEFAULT_ANN_FILE if ann_file is None else ann_file,
            data_root=data_root,
            data_prefix=dict(img_path='imgs')
            if data_prefix is None else data_prefix,
            test_mode=test_mode,
            **kwargs)

    @property
    def required_fields(self) -> Sequence[str]:
        """Record fields the loader reads."""
        return ('id', 'split', 'captions', self.PATH_KEY)

    @staticmethod
    def split_of(split_name: str) -> str:
        """Map a record's split name to ``'train'``, ``'test'`` or ``'val'``.
        """
        return split_name if split_name in ('train', 'test') else 'val'

    def _check_record(self, index: int, record: Any) -> int:
        """Validate one annotation record and return its person id.

        Raises:
            ValueError: Naming the file, record index and id of a bad record.
        """
        where = locate_record(record, f'{self.ann_file}: record {index}')
        missing = [key for key in self.required_fields if key not in record]
        if missing:
            raise ValueError(f'{where}: missing field(s) {missing}')
        pid = record['id']
        if isinstance(pid, str) and pid.strip().lstrip('-').isdigit():
            pid = int(pid)
        if isinstance(pid, bool) or not isinstance(pid, int):
            raise ValueError(f'{where}: field "id" must be an integer, got '
                             f'{record["id"]!r}')
        if not isinstance(record['split'], str):
            raise ValueError(f'{where}: field "split" must be a string '
                             f'(train / test / other = val), got '
                             f'{record["split"]!r}')
        path = record[self.PATH_KEY]
        if not isinstance(path, str) or not path:
            raise ValueError(f'{where}: field "{self.PATH_KEY}" must be a '
                             f'non-empty string, got {path!r}')
        captions = record['captions']
        if not isinstance(captions, list) or not captions:
            raise ValueError(f'{where}: field "captions" must be a non-empty '
                             f'list of strings, got {captions!r}')
        for i, caption in enumerate(captions):
            if not isinstance(caption, str) or not caption.strip():
                raise ValueError(f'{where}: caption {i} is empty or not a '
                                 f'string: {caption!r}')
        return pid

    def load_data_list(self) -> List[dict]:
        """Read, validate and lay out the records of the selected split.

        Returns:
            list[dict]: Samples in the layout chosen by ``test_mode``.
        """
        records = load(self.ann_file)
        if not isinstance(records, list):
            raise ValueError(f'{self.ann_file}: expected a JSON list of '
                             f'records, got {type(records).__name__}')
        img_dir = self.data_prefix.get('img_path', '')
        selected = []
        for index, record in enumerate(records):
            pid = self._check_record(index, record)
            if self.split_of(record['split']) != self.split:
                continue
            img_path = osp.join(img_dir, record[self.PATH_KEY])
            if self.check_images and not exists(img_path):
                raise ValueError(
                    f'{self.ann_file}: record {index} (id={record["id"]!r}): '
                    f'image {img_path} does not exist')
            selected.append((pid, img_path, record['captions']))
        if not selected:
            raise ValueError(f'{self.ann_file}: no record in split '
                             f'{self.split!r}')

        label_of = {pid: i for i, pid in enumerate(sorted(
            {pid for pid, _, _ in selected}))}
        self._metainfo['num_pids'] = len(label_of)
        data_list = []
        for image_id, (pid, img_path, captions) in enumerate(selected):
            info = dict(img_path=img_path, gt_label=label_of[pid], pid=pid,
                        image_id=image_id)
            if self.test_mode:
                data_list.append(dict(info, text=list(captions)))
            else:
                data_list.extend(
                    dict(info, text=caption) for caption in captions)
        return data_list

    @property
    def num_pids(self) -> int:
        """Number of person ids ``K`` of the split (labels ``0..K-1``)."""
        if not self._fully_initialized:
            self.full_init()
        return self._metainfo['num_pids']


@DATASETS.register_module()
class CUHKPEDES(PEDESDataset):
    """CUHK-PEDES (Li et al., CVPR 2017): ``reid_raw.json`` records
    ``{split, captions, file_path, processed_tokens, id}``, ids from 1;
    13,003 ids / 40,206 images (train 11,003 ids, val and test 1,000 each).

    See :class:`PEDESDataset` for the arguments and sample layout.
    """
    DEFAULT_ANN_FILE = 'reid_raw.json'
    PATH_KEY = 'file_path'


@DATASETS.register_module()
class ICFGPEDES(PEDESDataset):
    """ICFG-PEDES (Ding et al., 2021): ``ICFG-PEDES.json`` records
    ``{id, file_path, captions, split}``. The release has only train and
    test records (3,102 / 1,000 ids), so validate on ``split='test'``.

    See :class:`PEDESDataset` for the arguments and sample layout.
    """
    DEFAULT_ANN_FILE = 'ICFG-PEDES.json'
    PATH_KEY = 'file_path'


@DATASETS.register_module()
class RSTPReid(PEDESDataset):
    """RSTPReid (Zhu et al., ACM MM 2021): ``data_captions.json`` records
    ``{id, img_path, captions, split}``.

    See :class:`PEDESDataset` for the arguments and sample layout.
    """
    DEFAULT_ANN_FILE = 'data_captions.json'
    PATH_KEY = 'img_path'
