"""Image / depth-map pairs for monocular depth estimation."""
import os.path as osp
from typing import List

from mmengine.dataset import BaseDataset
from mmengine.fileio import exists, get_text, list_dir_or_file

from mmvision_plus.registry import DATASETS

IMG_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp')


@DATASETS.register_module()
class DepthDataset(BaseDataset):
    """Monocular depth pairs, from a split file or from two directories.

    * With ``ann_file`` (the NYU-Depth v2 layout of the BTS / monocular
      depth toolbox that DINOv2's evaluation uses): one sample per line,
      ``<image> <depth> [focal]``, paths relative to ``data_root`` (a
      leading ``/`` is ignored)::

          data/nyu/nyu_train.txt   /kitchen_0028a/rgb_00045.jpg /kitchen_0028a/sync_depth_00045.png 518.8579
          data/nyu/kitchen_0028a/rgb_00045.jpg, sync_depth_00045.png

    * Without it: every image in ``data_prefix['img']`` paired with the
      depth map of the same stem in ``data_prefix['depth']`` (the demo
      world: ``images/train/<stem>.png`` and ``depth/train/<stem>.png``).

    Depth maps are 16-bit PNGs of ``depth * depth_scale`` (both NYU and the
    demo world store millimetres: 1000); 0 marks missing depth. Each
    ``data_list`` entry has ``img_path``, ``depth_path`` and
    ``depth_scale``.

    Args:
        data_root (str): Dataset root.
        ann_file (str): Split file relative to ``data_root``, or ``''`` for
            the directory mode.
        data_prefix (dict): Directory mode: ``img`` and ``depth`` dirs
            relative to ``data_root``.
        depth_suffix (str): Directory mode: depth file extension. Defaults
            to ``'.png'``.
        depth_scale (float): Stored value per metre. Defaults to 1000.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO: dict = dict(task='depth')

    def __init__(self,
                 data_root: str = '',
                 ann_file: str = '',
                 data_prefix: dict = dict(img='', depth=''),
                 depth_suffix: str = '.png',
                 depth_scale: float = 1000.,
                 **kwargs) -> None:
        self.depth_suffix = depth_suffix
        self.depth_scale = depth_scale
        super().__init__(data_root=data_root, ann_file=ann_file,
                         data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the split file or pair the two directories."""
        if self.ann_file:
            return self._load_split_file()
        return self._load_directories()

    def _load_split_file(self) -> List[dict]:
        root = self.data_root or ''
        data_list = []
        for n, line in enumerate(get_text(self.ann_file).splitlines(), 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) < 2:
                raise ValueError(f'DepthDataset: {self.ann_file} line {n} '
                                 'needs "<image> <depth> [focal]", got '
                                 f'{line!r}')
            data_list.append(
                dict(img_path=osp.join(root, fields[0].lstrip('/')),
                     depth_path=osp.join(root, fields[1].lstrip('/')),
                     depth_scale=self.depth_scale))
        if not data_list:
            raise ValueError(f'DepthDataset: {self.ann_file} lists no sample')
        return data_list

    def _load_directories(self) -> List[dict]:
        img_dir = self.data_prefix.get('img', '')
        depth_dir = self.data_prefix.get('depth', '')
        if not img_dir or not depth_dir:
            raise ValueError("DepthDataset: without ann_file, data_prefix "
                             "needs both 'img' and 'depth' directories")
        names = sorted(
            f for f in list_dir_or_file(img_dir, list_dir=False)
            if f.lower().endswith(IMG_EXTENSIONS))
        if not names:
            raise ValueError(f'DepthDataset: no image in {img_dir}')
        data_list = []
        for name in names:
            depth_path = osp.join(depth_dir,
                                  osp.splitext(name)[0] + self.depth_suffix)
            if not exists(depth_path):
                raise ValueError(f'DepthDataset: image {name} in {img_dir} '
                                 f'has no depth map {depth_path}')
            data_list.append(
                dict(img_path=osp.join(img_dir, name), depth_path=depth_path,
                     depth_scale=self.depth_scale))
        return data_list
