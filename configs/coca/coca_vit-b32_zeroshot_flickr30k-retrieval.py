# Zero-shot Flickr30K 1k retrieval with open_clip's CoCa ViT-B/32, test
# only (see the COCO config for the command and the checkpoint).
_base_ = ['./coca_vit-b32_zeroshot_coco-retrieval.py']
data_root = 'data/flickr30k/'
flickr = dict(data_root=data_root,
              data_prefix=dict(img_path='flickr30k-images/'))
val_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_val.json'))
test_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_test.json'))
