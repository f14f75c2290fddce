"""GLEE data: prompt formatting, RefCOCO grounding samples, REC/RES metric."""
import pickle
import random

import numpy as np
import pytest
import torch
from mmdet.structures.bbox import HorizontalBoxes
from mmdet.structures.mask import BitmapMasks

import mmvision_plus
from mmvision_plus.datasets import (RefCocoFormatError,
                                    RefCocoGroundingDataset)
from mmvision_plus.datasets.transforms import FormatGLEEPrompts
from mmvision_plus.evaluation.metrics import ReferringExpressionMetric

mmvision_plus.register_all_modules(init_default_scope=False)
NAMES = ('circle', 'square', 'triangle', 'star', 'hexagon')


def results(labels=(1, 3, 3), names=NAMES):
    n = len(labels)
    boxes = np.array([[i, i, i + 5, i + 5] for i in range(n)], np.float32)
    masks = np.zeros((n, 8, 8), np.uint8)
    for i in range(n):
        masks[i, i] = 1
    return dict(
        img_path='img.png', text=names,
        gt_bboxes=HorizontalBoxes(torch.from_numpy(boxes)),
        gt_bboxes_labels=np.array(labels, np.int64),
        gt_masks=BitmapMasks(masks, 8, 8),
        gt_ignore_flags=np.zeros(n, bool))


def test_class_prompts_keep_the_dataset_names_and_labels():
    out = FormatGLEEPrompts(task='instance', dn_table='coco')(results())
    assert out['text'] == NAMES
    assert out['gt_bboxes_labels'].tolist() == [1, 3, 3]
    assert out['task'] == 'instance' and out['dn_table'] == 'coco'


def test_positives_plus_random_negatives_up_to_max_classes():
    random.seed(0)
    transform = FormatGLEEPrompts(task='det', dn_table='obj365',
                                  max_classes=3)
    for _ in range(10):
        out = transform(results())
        assert len(out['text']) == 3
        # positives first, labels point at their names
        assert out['text'][:2] == ('square', 'star')
        assert [out['text'][i] for i in out['gt_bboxes_labels']] == [
            'square', 'star', 'star']
    negatives = {transform(results())['text'][2] for _ in range(40)}
    assert negatives == {'circle', 'triangle', 'hexagon'}
    with pytest.raises(ValueError, match='more than max_classes'):
        FormatGLEEPrompts(task='det', dn_table='x', max_classes=1)(results())


def test_held_out_classes_leave_prompts_and_targets():
    out = FormatGLEEPrompts(task='instance', dn_table='coco',
                            exclude_classes=('square', ))(results())
    assert out['text'] == ('circle', 'triangle', 'star', 'hexagon')
    assert out['gt_bboxes_labels'].tolist() == [2, 2]  # both stars
    assert len(out['gt_bboxes']) == len(out['gt_masks']) == 2
    assert out['gt_bboxes'].tensor[:, 0].tolist() == [1, 2]
    with pytest.raises(KeyError, match='diamond'):
        FormatGLEEPrompts(task='instance', dn_table='coco',
                          exclude_classes=('diamond', ))(results())


def test_open_world_and_grounding_prompts():
    out = FormatGLEEPrompts(task='open_world', dn_table='grounding')(
        results())
    assert out['text'] == ('object', )
    assert out['gt_bboxes_labels'].tolist() == [0, 0, 0]
    out = FormatGLEEPrompts(task='grounding', dn_table='grounding')(
        results(labels=(4, ), names=['the red star']))
    assert out['text'] == ('the red star', )
    assert out['gt_bboxes_labels'].tolist() == [0]
    with pytest.raises(ValueError, match='one expression'):
        FormatGLEEPrompts(task='grounding', dn_table='grounding')(results())
    with pytest.raises(ValueError, match='task must be'):
        FormatGLEEPrompts(task='video', dn_table='x')
    with pytest.raises(KeyError, match='return_classes'):
        FormatGLEEPrompts(task='det', dn_table='x')(dict(img_path='a.png'))


@pytest.fixture(scope='module')
def demo_refcoco(demo_world_factory):
    return demo_world_factory('glee_world', num_train=6, num_val=4,
                              img_size=64, only=('detection', 'refcoco'))


def test_one_grounding_sample_per_expression(demo_refcoco):
    with open(demo_refcoco / 'refcoco' / 'refs(unc).p', 'rb') as f:
        refs = [r for r in pickle.load(f) if r['split'] == 'train']
    dataset = RefCocoGroundingDataset(
        data_root=str(demo_refcoco), ann_file='refcoco/instances.json',
        split_file='refcoco/refs(unc).p', data_prefix=dict(img='images/'),
        split='train', pipeline=[])
    assert len(dataset) == sum(len(r['sentences']) for r in refs)
    info = dataset.get_data_info(0)
    ref = refs[0]
    assert info['text'] == [ref['sentences'][0]['raw'].lower()]
    assert info['ref_id'] == ref['ref_id']
    assert len(info['instances']) == 1
    x1, y1, x2, y2 = info['instances'][0]['bbox']
    assert x2 > x1 and y2 > y1
    assert info['img_path'].endswith(ref['file_name'])
    with pytest.raises(RefCocoFormatError, match="split 'nope'"):
        RefCocoGroundingDataset(
            data_root=str(demo_refcoco), ann_file='refcoco/instances.json',
            split_file='refcoco/refs(unc).p', split='nope', pipeline=[])


def _sample(pred_boxes, scores, gt_box, pred_masks=None, gt_mask=None):
    sample = dict(
        img_path='x.png',
        pred_instances=dict(bboxes=torch.tensor(pred_boxes, dtype=torch.float),
                            scores=torch.tensor(scores)),
        gt_instances=dict(bboxes=torch.tensor([gt_box], dtype=torch.float)))
    if pred_masks is not None:
        sample['pred_instances']['masks'] = torch.tensor(pred_masks)
        sample['gt_instances']['masks'] = BitmapMasks(
            np.array([gt_mask], np.uint8), 4, 4)
    return sample


def test_rec_accuracy_scores_the_top_prediction():
    metric = ReferringExpressionMetric()
    metric.process({}, [
        # top-scoring box right, IoU 1
        _sample([[0, 0, 9, 9], [20, 20, 30, 30]], [0.1, 0.9],
                [20, 20, 30, 30]),
        # top-scoring box wrong, a lower-scored one right
        _sample([[0, 0, 9, 9], [20, 20, 30, 30]], [0.9, 0.1],
                [20, 20, 30, 30]),
        # IoU 0.5 exactly counts
        _sample([[0, 0, 10, 10]], [0.5], [0, 0, 10, 5]),
    ])
    assert metric.compute_metrics(metric.results) == dict(
        rec_accuracy=pytest.approx(2 / 3))


def test_res_miou_and_ciou():
    full = [[1] * 4] * 4
    top_half = [[1] * 4] * 2 + [[0] * 4] * 2
    metric = ReferringExpressionMetric()
    metric.process({}, [
        _sample([[0, 0, 4, 4]], [1.], [0, 0, 4, 4], [full], full),
        _sample([[0, 0, 4, 2]], [1.], [0, 0, 4, 4], [top_half], full),
    ])
    out = metric.compute_metrics(metric.results)
    assert out['rec_accuracy'] == pytest.approx(1.0)
    assert out['res_miou'] == pytest.approx((1 + 0.5) / 2)
    assert out['res_ciou'] == pytest.approx((16 + 8) / (16 + 16))
    with pytest.raises(ValueError, match='one target'):
        metric.process({}, [dict(_sample([[0, 0, 1, 1]], [1.], [0, 0, 1, 1]),
                                 gt_instances=dict(bboxes=torch.zeros(2, 4)))])
