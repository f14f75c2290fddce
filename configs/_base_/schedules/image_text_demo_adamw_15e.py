# image_text_demo_adamw_20e.py for 15 epochs (the cosine decay spans the 14
# epochs after the warm-up).
_base_ = './image_text_demo_adamw_20e.py'
max_epochs = 15
train_cfg = dict(max_epochs=max_epochs)
