"""Convert an official ALBEF checkpoint to mmvision_plus's ALBEF layout.

Usage::

    python tools/model_converters/albef2mmvp.py ALBEF.pth \\
        data/pretrained/albef_4m_mmvp.pth

Reads ``checkpoint['model']`` (pretraining or retrieval model); see
``mmvision_plus/models/multimodal/checkpoint_convert.py`` for the mapping.
The output (``{'state_dict': ...}``) loads with ``load_from`` or
``tools/test.py``; it is written atomically.
"""
import argparse

from mmvision_plus.models.multimodal.checkpoint_convert import (
    albef_to_mmvp, convert_checkpoint_file)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='official ALBEF checkpoint (.pth)')
    parser.add_argument('dst', help='output .pth')
    args = parser.parse_args(argv)
    count = convert_checkpoint_file(args.src, args.dst, albef_to_mmvp)
    print(f'wrote {args.dst}: {count} tensors')


if __name__ == '__main__':
    main()
