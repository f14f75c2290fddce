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
from mmvision_plus.models.multimodal.checkpoint_convert import (
    blip_to_mmvp, converter_main)


def main(argv=None) -> None:
    converter_main(blip_to_mmvp, __doc__.splitlines()[0],
                   'BLIP checkpoint (.pth)', argv)


if __name__ == '__main__':
    main()
