# The ViLT demo model (vilt_vit-t16_1xb64-15e_demo-world.py) with the
# optimisation steps its image-text matching needs from scratch: batch 32
# for 30 epochs (2,250 iterations, 4x the family budget's 555; 72,000
# samples). On the family budget ViLT's ITM loss never leaves ln 2 (see
# configs/vl_benchmark/README.md). Validation (exhaustive ITM scoring of
# all pairs) only at the end.
_base_ = './vilt_vit-t16_1xb64-15e_demo-world.py'
train_dataloader = dict(batch_size=32)
max_epochs = 30
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
