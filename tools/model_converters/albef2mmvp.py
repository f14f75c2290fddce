"""Convert an official ALBEF checkpoint to mmvision_plus's ALBEF layout.

Usage::

    python tools/model_converters/albef2mmvp.py ALBEF.pth \\
        data/pretrained/albef_4m_mmvp.pth

Reads ``checkpoint['model']`` (pretraining or retrieval model); see
``mmvision_plus/models/multimodal/checkpoint_convert.py`` for the mapping.
The output (``{'state_dict': ...}``) loads with ``load_from`` or
``tools/test.py``; it is written atomically.
"""
from mmvision_plus.models.multimodal.checkpoint_convert import (
    albef_to_mmvp, converter_main)


def main(argv=None) -> None:
    converter_main(albef_to_mmvp, __doc__.splitlines()[0],
                   'official ALBEF checkpoint (.pth)', argv)


if __name__ == '__main__':
    main()
