"""Convert an official VLMo checkpoint to mmvision_plus's VLMo layout.

Usage::

    python tools/model_converters/vlmo2mmvp.py vlmo_base_patch16_224.pt \\
        data/pretrained/vlmo_base_mmvp.pth

Reads ``checkpoint['state_dict']`` (PyTorch Lightning), ``['module']``
(DeepSpeed) or ``['model']``; see
``mmvision_plus/models/multimodal/vlmo/convert.py`` for the mapping. The
output (``{'state_dict': ...}``) loads into a ``VLMo`` built with the
checkpoint's heads (e.g. the retrieval configs for a retrieval
checkpoint); it is written atomically.
"""
from mmvision_plus.models.multimodal.checkpoint_convert import \
    converter_main
from mmvision_plus.models.multimodal.vlmo.convert import vlmo_to_mmvp


def main(argv=None) -> None:
    converter_main(vlmo_to_mmvp, __doc__.splitlines()[0],
                   'official VLMo checkpoint (.pt / .pth)', argv)


if __name__ == '__main__':
    main()
