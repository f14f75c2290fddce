# Flickr30K (Karpathy split) in ALBEF's / BLIP's json layout: the dataset
# fields of each split, for flickr30k_retrieval.py and the zero-shot test:
#   data/flickr30k/annotations/flickr30k_{train,val,test}.json
#   data/flickr30k/flickr30k-images/*.jpg
flickr = dict(data_root='data/flickr30k/',
              data_prefix=dict(img_path='flickr30k-images/'))
flickr30k_splits = dict(
    train=dict(flickr, ann_file='annotations/flickr30k_train.json'),
    val=dict(flickr, ann_file='annotations/flickr30k_val.json'),
    test=dict(flickr, ann_file='annotations/flickr30k_test.json'))
