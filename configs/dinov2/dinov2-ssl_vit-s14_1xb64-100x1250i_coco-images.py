# As dinov2-ssl_vit-s14_1xb64-100x1250i_image-folder.py on the images a
# COCO annotation file lists (annotations are not used; every listed image,
# with or without objects, is a sample).
_base_ = ['./dinov2-ssl_vit-s14_1xb64-100x1250i_image-folder.py']
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='StrictCocoDataset',
        data_root='data/coco',
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=False),
        pipeline={{_base_.train_pipeline}}))
