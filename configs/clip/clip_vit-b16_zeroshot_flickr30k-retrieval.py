# Zero-shot Flickr30K 1k retrieval with OpenAI's CLIP ViT-B/16 (see the
# COCO config for the command); the data of ../_base_/datasets/
# flickr30k_retrieval.py.
_base_ = './clip_vit-b16_zeroshot_coco-retrieval.py'
data_root = 'data/flickr30k/'
flickr = dict(data_root=data_root,
              data_prefix=dict(img_path='flickr30k-images/'))
val_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_val.json'))
test_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_test.json'))
