# MDRL on ICFG-PEDES (data/ICFG-PEDES/{ICFG-PEDES.json, imgs/}), paper setup.
_base_ = './mdrl_vit-b16-bert_1xb64-150e_cuhk-pedes.py'
dataset = dict(type='ICFGPEDES', data_root='data/ICFG-PEDES')
model = dict(num_classes=3102)  # ICFG-PEDES training identities
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dict(dataset, split='test'))  # no val split
test_dataloader = dict(dataset=dataset)
