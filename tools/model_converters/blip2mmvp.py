"""Convert an official BLIP (or mmpretrain BLIP) checkpoint to
mmvision_plus's BLIP (``BLIPMED``) layout.

Usage::

    python tools/model_converters/blip2mmvp.py model_base.pth \\
        data/pretrained/blip_base_mmvp.pth

Reads ``checkpoint['model']`` (official pretraining, retrieval or
captioning model) or ``checkpoint['state_dict']`` (mmpretrain's
``BlipRetrieval`` / ``BlipCaption``); see
``mmvision_plus/models/multimodal/checkpoint_convert.py`` for the mapping.
The output is written atomically.
"""
import argparse

from mmvision_plus.models.multimodal.checkpoint_convert import (
    blip_to_mmvp, convert_checkpoint_file)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='BLIP checkpoint (.pth)')
    parser.add_argument('dst', help='output .pth')
    args = parser.parse_args(argv)
    count = convert_checkpoint_file(args.src, args.dst, blip_to_mmvp)
    print(f'wrote {args.dst}: {count} tensors')


if __name__ == '__main__':
    main()
