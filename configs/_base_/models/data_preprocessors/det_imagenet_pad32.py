# mmdet's detection preprocessor for ImageNet-trained backbones: BGR
# images to RGB, normalised with ImageNet's mean and std, batches padded to
# a multiple of 32. The demo FCOS / RetinaNet and GLEE model bases inherit
# it.
model = dict(
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32))
