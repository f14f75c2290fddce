# The demo BLIP on 2,400 scenes trained with BLIP's retrieval objectives
# (ITC + ITM with hard negatives, momentum distillation; no LM, as the
# official retrieval fine-tuning, ../_base_/blip_retrieval_finetune.py):
# without the decoder pass an iteration is cheaper, so 9 epochs fit the
# 20-minute budget; validation every 3 epochs. The captioner is trained by
# blip_vit-t16-med-t_1xb64-15e_demo-world-caption.py.
_base_ = './blip_vit-t16-med-t_bf16_1xb64-7e_demo-world-2400.py'
model = dict(tasks=('itc', 'itm'))
max_epochs = 9
train_cfg = dict(max_epochs=max_epochs, val_interval=3)
