# MDRL on RSTPReid (data/RSTPReid/{data_captions.json, imgs/}); the paper
# reports no RSTPReid result, the CUHK-PEDES hyper-parameters are used.
_base_ = './mdrl_vit-b16-bert_1xb64-150e_cuhk-pedes.py'
dataset = dict(type='RSTPReid', data_root='data/RSTPReid')
model = dict(num_classes=3701)  # RSTPReid training identities
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
