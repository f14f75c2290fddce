"""FrozenFeatureDenseModel: frozen backbone, modes, preprocessing."""
import pytest
import torch
from mmengine.structures import BaseDataElement, PixelData

from mmvision_plus.registry import MODELS
from mmvision_plus.utils import register_all_modules

register_all_modules()

TINY = dict(embed_dims=32, num_layers=3, num_heads=2)


def _model(**kwargs):
    cfg = dict(
        type='FrozenFeatureDenseModel',
        data_preprocessor=dict(type='ImgDataPreprocessor',
                               mean=[127.5] * 3, std=[127.5] * 3,
                               pad_size_divisor=14),
        backbone=dict(type='DINOv2ViT', arch=TINY, img_size=56, frozen=True),
        head=dict(type='DINOv2LinearSegHead', num_classes=3, in_channels=32,
                  num_inputs=2),
        layers=2)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _batch(n=2, hw=(40, 50)):
    samples = []
    for _ in range(n):
        s = BaseDataElement(metainfo=dict(img_shape=hw, ori_shape=(20, 25)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, 20, 25)))
        samples.append(s)
    return dict(inputs=[torch.randint(0, 255, (3, *hw), dtype=torch.uint8)
                        for _ in range(n)],
                data_samples=samples)


def test_train_step_updates_head_only():
    model = _model()
    model.init_weights()
    model.train()
    assert not model.backbone.training  # frozen stays in eval mode
    backbone_before = {k: v.clone()
                       for k, v in model.backbone.state_dict().items()}
    head_before = model.head.conv.weight.clone()
    optim = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.1)
    from mmengine.optim import OptimWrapper
    log = model.train_step(_batch(), OptimWrapper(optim))
    assert 'loss_seg' in log and torch.isfinite(log['loss'])
    for k, v in model.backbone.state_dict().items():
        torch.testing.assert_close(v, backbone_before[k])
    assert not torch.equal(model.head.conv.weight, head_before)


def test_predict_and_tensor_modes():
    model = _model()
    model.eval()
    data = model.data_preprocessor(_batch(), False)
    # 40 x 50 padded to 42 x 56 by the preprocessor: a 3 x 4 token grid.
    assert data['inputs'].shape[-2:] == (42, 56)
    out = model(data['inputs'], mode='tensor')
    assert out.shape == (2, 3, 3, 4)
    preds = model(**data, mode='predict')
    assert preds[0].pred_sem_seg.data.shape == (1, 20, 25)
    with pytest.raises(ValueError, match="invalid mode 'x'"):
        model(data['inputs'], mode='x')


def test_trainable_backbone_gets_gradients():
    model = _model(backbone=dict(type='DINOv2ViT', arch=TINY, img_size=56))
    assert not model.backbone_frozen
    model.train()
    data = model.data_preprocessor(_batch(), True)
    loss = model(**data, mode='loss')['loss_seg']
    loss.backward()
    assert model.backbone.patch_embed.proj.weight.grad.abs().sum() > 0


def test_backbone_without_intermediate_layers():
    with pytest.raises(TypeError, match='get_intermediate_layers'):
        _model(backbone=dict(type='ResNet', depth=18))
