# ViLT-B/32 Flickr30K 1k retrieval fine-tuning, the official
# hyper-parameters of task_finetune_irtr_f30k (as for COCO: 384 px, 256
# pairs per step, AdamW lr 1e-4, 10 epochs, 10 % warm-up then linear
# decay); see the COCO config for the objective.
_base_ = ['./vilt_vit-b32-bert-base_8xb32-10e_coco-retrieval.py']
data_root = 'data/flickr30k/'
flickr = dict(data_root=data_root,
              data_prefix=dict(img_path='flickr30k-images/'))
train_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_train.json'))
val_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_val.json'))
test_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_test.json'))
