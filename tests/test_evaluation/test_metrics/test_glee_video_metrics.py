"""Video metrics: YouTube-VIS AP under numpy 2, HOTA / MOTA / IDF1 with
trackeval from PyPI, J&F of VOS / R-VOS, interactive mIoU@k and NoC, and
the click-simulation loop."""
import numpy as np
import pycocotools.mask as mask_utils
import pytest
import torch
from mmdet.evaluation.metrics import YouTubeVISMetric
from mmdet.structures import DetDataSample, TrackDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.structures import InstanceData

from mmvision_plus.engine import simulate_clicks
from mmvision_plus.evaluation.metrics import (InteractiveSegMetric,
                                              NumpyCompatYouTubeVISMetric,
                                              TrackEvalMOTMetric,
                                              VideoObjectSegMetric)

H, W = 40, 60


def box_mask(box):
    mask = np.zeros((H, W), bool)
    mask[box[1]:box[3], box[0]:box[2]] = True
    return mask


def rle(mask):
    out = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return dict(out, counts=out['counts'].decode())


def video_sample(gt_tracks, pred_tracks, video_id=1):
    """gt_tracks / pred_tracks: {id: [box or None per frame]}."""
    num = len(next(iter(gt_tracks.values())))
    frames = []
    for t in range(num):
        instances = [dict(bbox=list(map(float, boxes[t])), bbox_label=0,
                          instance_id=i, mask=rle(box_mask(boxes[t])),
                          ignore_flag=0)
                     for i, boxes in gt_tracks.items() if boxes[t]]
        sample = DetDataSample(metainfo=dict(
            img_id=video_id * 100 + t, video_id=video_id, frame_id=t,
            ori_shape=(H, W), ori_video_length=num, instances=instances))
        present = [(i, boxes[t]) for i, boxes in pred_tracks.items()
                   if boxes[t]]
        sample.pred_track_instances = InstanceData(
            instances_id=torch.tensor([i for i, _ in present],
                                      dtype=torch.long),
            bboxes=torch.tensor([b for _, b in present],
                                dtype=torch.float).reshape(-1, 4),
            labels=torch.zeros(len(present), dtype=torch.long),
            scores=torch.full((len(present), ), 0.9),
            masks=torch.from_numpy(np.stack(
                [box_mask(b) for _, b in present])
                if present else np.zeros((0, H, W), bool)))
        frames.append(sample)
    track = TrackDataSample()
    track.video_data_samples = frames
    return track.to_dict()


A = [[2, 2, 20, 20], [4, 2, 22, 20], [6, 2, 24, 20], [8, 2, 26, 20]]
B = [[30, 10, 50, 30], [28, 10, 48, 30], [26, 10, 46, 30],
     [24, 10, 44, 30]]


def test_youtube_vis_ap_runs_under_numpy_2():
    metric = NumpyCompatYouTubeVISMetric()
    metric.dataset_meta = dict(classes=('shape', ))
    for _ in range(2):  # a second evaluation works too
        metric.process({}, [video_sample({1: A, 2: B}, {1: A, 2: B})])
        results = metric.evaluate(1)
        assert results['youtube_vis/segm_mAP'] == pytest.approx(1.0)
    if int(np.__version__.split('.')[0]) >= 2:
        upstream = YouTubeVISMetric()
        upstream.dataset_meta = dict(classes=('shape', ))
        upstream.process({}, [video_sample({1: A}, {1: A})])
        with pytest.raises(AttributeError, match='float'):
            upstream.evaluate(1)


def test_hota_mota_idf1_with_pypi_trackeval():
    metric = TrackEvalMOTMetric()
    metric.process({}, [video_sample({1: A, 2: B}, {1: A, 2: B})])
    perfect = metric.evaluate(1)
    for key in ('HOTA', 'AssA', 'DetA', 'MOTA', 'IDF1'):
        assert perfect[f'mot/{key}'] == pytest.approx(1.0), key
    assert perfect['mot/IDSW'] == 0
    # new identities halfway (same boxes): 2 switches of 8 detections
    fresh = {1: A[:2] + [None, None], 2: B[:2] + [None, None],
             3: [None, None] + B[2:], 4: [None, None] + A[2:]}
    # the two identities cross over halfway
    crossed = {1: A[:2] + B[2:], 2: B[:2] + A[2:]}
    for tracks in (fresh, crossed):
        metric.process({}, [video_sample({1: A, 2: B}, tracks)])
        result = metric.evaluate(1)
        assert result['mot/IDF1'] == pytest.approx(0.5)
        assert result['mot/IDSW'] == 2
        assert result['mot/MOTA'] == pytest.approx((8 - 2) / 8)
        assert result['mot/AssA'] < 1
        assert result['mot/DetA'] == pytest.approx(1)
    # low-score predictions are not counted
    low = video_sample({1: A}, {1: A})
    for frame in low['video_data_samples']:
        frame.pred_track_instances.scores[:] = 0.1
    metric.process({}, [low])
    assert metric.evaluate(1)['mot/DetA'] == 0
    with pytest.raises(KeyError, match='metric'):
        TrackEvalMOTMetric(metric=['TETA'])


def test_j_and_f_per_object():
    metric = VideoObjectSegMetric(semi_supervised=True)
    # object 1 perfect, object 2 missed from frame 2 on; frames 1..2 count
    metric.process({}, [video_sample({1: A, 2: B},
                                     {1: A, 2: B[:2] + [None, None]})])
    result = metric.evaluate(1)
    # object 1: J = F = 1 on frames 1, 2; object 2: 1 on frame 1, 0 on 2
    assert result['vos/J'] == pytest.approx((1 + 0.5) / 2)
    assert result['vos/F'] == pytest.approx((1 + 0.5) / 2)
    assert result['vos/J&F'] == pytest.approx(0.75)
    # R-VOS: one object, one track whatever its id, every frame
    rvos = VideoObjectSegMetric(semi_supervised=False)
    rvos.process({}, [video_sample({5: A}, {0: A[:3] + [None]})])
    assert rvos.evaluate(1)['vos/J'] == pytest.approx(0.75)


def test_interactive_metric():
    metric = InteractiveSegMetric(num_clicks=(1, 3), noc_thrs=(0.85, ))
    sample = dict(pred_instances=dict(click_ious=torch.tensor(
        [[0.5, 0.8, 0.9, 0.95], [0.9, 0.9, 0.9, 0.9]])))
    metric.process({}, [sample])
    result = metric.compute_metrics(metric.results)
    assert result['mIoU_1'] == pytest.approx(0.7)
    assert result['mIoU_3'] == pytest.approx(0.9)
    assert result['NoC_85'] == pytest.approx((3 + 1) / 2)
    with pytest.raises(KeyError, match='click_ious'):
        metric.process({}, [dict(pred_instances=dict(scores=[]))])


class SquareClicker:
    """A fake interactive model: it answers a prompt with the 5 x 5 squares
    around its positive clicks, minus those around its negative ones."""

    def __init__(self):
        self.prompts = []

    def data_preprocessor(self, data, training):
        return dict(inputs=torch.stack(data['inputs']).float(),
                    data_samples=data['data_samples'])

    def predict(self, inputs, samples):
        for sample in samples:
            prompt = sample.metainfo['visual_prompt']
            self.prompts.append(prompt)
            mask = np.zeros((H, W), bool)
            for (x, y), label in zip(prompt.points, prompt.point_labels):
                x, y = int(x), int(y)
                mask[max(y - 2, 0):y + 3, max(x - 2, 0):x + 3] = bool(label)
            sample.pred_instances = InstanceData(
                masks=torch.from_numpy(mask[None]))
        return samples


def test_click_simulation_loop():
    gt = np.zeros((2, H, W), np.uint8)
    gt[0, 10:15, 10:15] = 1  # one click is enough
    gt[1, 20:30, 30:50] = 1  # needs several
    sample = DetDataSample(metainfo=dict(ori_shape=(H, W), img_shape=(H, W),
                                         scale_factor=(1., 1.)))
    sample.gt_instances = InstanceData(masks=BitmapMasks(gt, H, W),
                                       labels=torch.tensor([0, 1]))
    model = SquareClicker()
    out, = simulate_clicks(model, dict(inputs=[torch.zeros(3, H, W)],
                                       data_samples=[sample]),
                           max_clicks=6, min_clicks=2, stop_iou=0.99)
    ious = out.pred_instances.click_ious
    assert ious.shape == (2, 6)
    assert ious[0, 0] == 1.0 and (ious[0] == 1.0).all()
    assert (ious[1, 1:] >= ious[1, :-1] - 1e-9).all()  # clicks add squares
    assert ious[1, 0] == pytest.approx(25 / 200)
    # every prompt after the first one carries the previous mask
    second = [p for p in model.prompts if len(p.points) == 2]
    assert second and all(p.mask is not None for p in second)


@pytest.mark.parametrize('metric', [TrackEvalMOTMetric, VideoObjectSegMetric])
def test_whole_video_metrics_refuse_frame_by_frame_input(metric):
    with pytest.raises(NotImplementedError, match='whole videos'):
        metric().process_image([], ori_video_len=3)
