"""Image loading that names the file it could not read."""
from typing import Optional

import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile

from mmvision_plus.registry import TRANSFORMS


@TRANSFORMS.register_module()
class StrictLoadImageFromFile(MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` with errors that name the file.

    Registered as ``StrictLoadImageFromFile``; ``type='LoadImageFromFile'``
    stays mmcv's class in every scope. Arguments, required and modified
    keys are those of mmcv's transform.

    With ``ignore_empty=False`` (the default):

    * a missing file raises ``FileNotFoundError('image file not found:
      <path>')``;
    * an empty file, or bytes that do not decode as an image (corrupt,
      truncated header, not an image), raise ``OSError('<path>: cannot
      decode image ...')`` where mmcv fails an ``assert`` or lets the
      decoder's own error through.

    With ``ignore_empty=True`` both cases return None, as in mmcv.
    """

    def _read_bytes(self, filename: str) -> bytes:
        if self.file_client_args is not None:
            client = fileio.FileClient.infer_client(self.file_client_args,
                                                    filename)
            return client.get(filename)
        return fileio.get(filename, backend_args=self.backend_args)

    def transform(self, results: dict) -> Optional[dict]:
        """Load ``results['img_path']``.

        Args:
            results (dict): Result dict with ``img_path``.

        Returns:
            dict | None: ``results`` with ``img`` (H, W, C) or (H, W)
            uint8 (float32 if ``to_float32``), ``img_shape`` and
            ``ori_shape``; None for an unreadable file if ``ignore_empty``.

        Raises:
            FileNotFoundError: The file does not exist.
            OSError: The file is empty or cannot be decoded.
        """
        filename = str(results['img_path'])
        try:
            img_bytes = self._read_bytes(filename)
        except FileNotFoundError as e:
            if self.ignore_empty:
                return None
            raise FileNotFoundError(f'image file not found: {filename}') \
                from e
        img, reason = None, None
        if not img_bytes:
            reason = 'the file is empty'
        else:
            try:
                img = mmcv.imfrombytes(img_bytes, flag=self.color_type,
                                       backend=self.imdecode_backend)
            except Exception as e:  # decoders raise assorted types
                reason = f'{type(e).__name__}: {e}'
            if img is None and reason is None:
                reason = (f'the {self.imdecode_backend} decoder could not '
                          'read it (corrupt or not an image)')
        if img is None:
            if self.ignore_empty:
                return None
            raise OSError(f'{filename}: cannot decode image '
                          f'({len(img_bytes)} bytes): {reason}')
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results
