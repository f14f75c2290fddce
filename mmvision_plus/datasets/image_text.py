"""Image-text datasets in the Karpathy-split json layout of ALBEF and BLIP
(COCO, Flickr30K, the demo world): retrieval and captioning.

The annotation file is a JSON list of records ``{"image": path relative to
the image directory, "caption": str | list[str], ...}`` (other fields such
as ``image_id`` are ignored). ALBEF's and BLIP's training files hold one
record per caption (``coco_karpathy_train.json``, ``flickr30k_train.json``),
their test files one record per image with all its captions
(``coco_karpathy_test.json``, ``flickr30k_test.json``); records of the same
image path are merged, so both kinds load the same way.

mmpretrain's ``COCORetrieval`` reads COCO's own caption files (and derives
image paths from ``coco_url``), its ``Flickr30kRetrieval`` Karpathy's
``dataset_flickr30k.json``; neither reads these files, and neither checks
its input. This dataset rejects a bad file with an error naming the file,
the record and the field.
"""
import os.path as osp
from collections import OrderedDict
from typing import Any, List, Optional

from mmengine.dataset import BaseDataset
from mmengine.fileio import exists, load

from mmvision_plus.registry import DATASETS


class ImageTextFormatError(ValueError):
    """An image-text annotation file that does not follow the format."""


@DATASETS.register_module()
class KarpathyImageText(BaseDataset):
    """Image-caption pairs for retrieval and captioning.

    Sample layouts (``data_list`` entries, before the pipeline):

    * training (``test_mode=False``): one sample per caption,
      ``{img_path, text, gt_caption, image_id, text_id}``, ``image_id``
      the index of the image in file order (captions of one image share
      it: they are positives of each other in ITC) and ``text_id`` the
      caption's index;
    * evaluation (``test_mode=True``): one sample per image with all its
      captions, ``{img_path, text: list, gt_caption: list, image_id,
      gt_text_id: list, gt_image_id: list}``, the layout of mmpretrain's
      retrieval datasets (``RetrievalValLoop`` / ``RetrievalRecall``) and,
      through ``gt_caption``, of caption evaluation.

    :attr:`img_size` and :attr:`text_size` count the images and captions.

    Args:
        ann_file (str): Annotation file (relative to ``data_root``).
        data_root (str): Dataset root. Defaults to ''.
        data_prefix (dict): ``img_path``: image directory relative to
            ``data_root``. Defaults to ``dict(img_path='')``.
        test_mode (bool): Select the evaluation layout. Defaults to False.
        check_images (bool): Check that every image exists when the file
            is loaded. Defaults to True.
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`.

    Raises:
        ImageTextFormatError: A record that is not a dict, lacks ``image``
            or ``caption``, or has an empty caption; the message names the
            file, the record index and the field.
        FileNotFoundError: An image that does not exist (with
            ``check_images``), naming the file, the record and the path.
    """

    def __init__(self,
                 ann_file: str,
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 test_mode: bool = False,
                 check_images: bool = True,
                 **kwargs) -> None:
        self.check_images = check_images
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=dict(img_path='') if data_prefix is None else
            data_prefix,
            test_mode=test_mode,
            **kwargs)

    def _captions(self, index: int, record: Any) -> List[str]:
        where = f'{self.ann_file}: record {index}'
        if not isinstance(record, dict):
            raise ImageTextFormatError(
                f'{where}: expected a dict, got {type(record).__name__}')
        for field in ('image', 'caption'):
            if field not in record:
                raise ImageTextFormatError(
                    f'{where}: missing field "{field}"')
        if not isinstance(record['image'], str) or not record['image']:
            raise ImageTextFormatError(
                f'{where}: field "image" must be a non-empty path, got '
                f'{record["image"]!r}')
        captions = record['caption']
        captions = [captions] if isinstance(captions, str) else captions
        if not isinstance(captions, list) or not captions:
            raise ImageTextFormatError(
                f'{where}: field "caption" must be a string or a non-empty '
                f'list of strings, got {record["caption"]!r}')
        for i, caption in enumerate(captions):
            if not isinstance(caption, str) or not caption.strip():
                raise ImageTextFormatError(
                    f'{where}: field "caption" entry {i} is empty or not a '
                    f'string: {caption!r}')
        return captions

    def load_data_list(self) -> List[dict]:
        """Read, validate and lay out the records."""
        records = load(self.ann_file)
        if not isinstance(records, list) or not records:
            raise ImageTextFormatError(
                f'{self.ann_file}: expected a non-empty JSON list of records')
        img_dir = self.data_prefix.get('img_path', '')
        images: 'OrderedDict[str, List[str]]' = OrderedDict()
        for index, record in enumerate(records):
            captions = self._captions(index, record)
            path = osp.join(img_dir, record['image'])
            if path not in images:
                if self.check_images and not exists(path):
                    raise FileNotFoundError(
                        f'{self.ann_file}: record {index}: image {path} '
                        'does not exist')
                images[path] = []
            images[path].extend(captions)

        data_list, text_id = [], 0
        for image_id, (path, captions) in enumerate(images.items()):
            text_ids = list(range(text_id, text_id + len(captions)))
            text_id += len(captions)
            if self.test_mode:
                data_list.append(dict(
                    img_path=path, image_id=image_id, text=list(captions),
                    gt_caption=list(captions), gt_text_id=text_ids,
                    gt_image_id=[image_id] * len(captions)))
            else:
                data_list.extend(
                    dict(img_path=path, image_id=image_id, text=caption,
                         gt_caption=caption, text_id=tid)
                    for caption, tid in zip(captions, text_ids))
        self.img_size = len(images)
        self.text_size = text_id
        return data_list
