# Open vocabulary on the demo world: "diamond" is held out of detection
# training (its name leaves the prompts, its instances the targets) and
# named only at test time, where the prompts list all 8 classes. Training
# is the joint instance + grounding recipe: the expressions do mention
# diamonds (as captions do in open-vocabulary detection), so the word is
# learnt from language while no diamond box is ever labelled. The per-class
# AP table (classwise) gives the held-out class beside the 7 trained ones.
_base_ = './glee_r18_demo-joint_1xb4-1920i_demo-world-instance-refcoco.py'

held_out = ('diamond', )
_instances = _base_.train_dataloader.dataset.datasets[0]
train_dataloader = dict(
    dataset=dict(datasets=[
        dict(_instances, pipeline=[
            dict(t, exclude_classes=held_out)
            if t['type'] == 'FormatGLEEPrompts' else t
            for t in _instances['pipeline']
        ]), _base_.refcoco_train_dataset
    ]))
# box AP per class (coco/<class>_precision; with segm as well, mmdet
# would overwrite them with the mask APs)
val_evaluator = dict(classwise=True, metric=['bbox'])
test_evaluator = val_evaluator
