# Grounding (REC / RES) of the joint instance + grounding run: its
# checkpoint on the demo-world val expressions (the joint config itself
# validates on the instances), so the joint run's two tasks sit beside the
# single-task rows. Test only:
#   python tools/test.py THIS_CONFIG \
#       work_dirs/glee_r18_demo-joint_1xb4-1920i_demo-world-instance-refcoco/iter_1920.pth
_base_ = './glee_r18_demo-joint_1xb4-1920i_demo-world-instance-refcoco.py'
val_dataloader = dict(
    dataset=dict(_delete_=True, **_base_.refcoco_val_dataset))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, **_base_.refcoco_evaluator)
test_evaluator = val_evaluator
