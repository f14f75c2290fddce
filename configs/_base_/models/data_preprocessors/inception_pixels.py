# Images in [-1, 1] (the "inception" normalisation, mean = std = 127.5),
# RGB: what ViLT, VLMo and BEiT-3 read. Their model bases inherit it.
model = dict(
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        mean=[127.5] * 3,
        std=[127.5] * 3,
        to_rgb=True))
