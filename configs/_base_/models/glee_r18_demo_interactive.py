# The demo GLEE with the visual prompter (points, boxes, scribbles, masks;
# task 'interactive'): templates cropped at 2x the prompt box and resized
# to 64 px (official 256 for ~800 px images; the demo scenes are 160 px),
# up to 512 point tokens per level, the confidence head trained on
# visual-prompt batches and answering them. Training prompt types as the
# official recipe (mask 0.6, point 0.32, box 0.08; one GT object per image);
# here half of the instance batches are visual-prompt batches (official
# 0.2: the demo fine-tunes for a few epochs only) and half of the point
# prompts get a negative click.
_base_ = './glee_r18_demo.py'

model = dict(
    visual_prompter=dict(
        in_channels=[128, 256, 512],
        num_levels=4,
        num_token_levels=3,
        max_points=512,
        template_size=64,
        search_area_factor=2.0,
        prompt_prob=0.5,
        prompt_tasks=('instance', ),
        mode_probs=dict(mask=0.6, point=0.32, box=0.08),
        neg_click_prob=0.5),
    bbox_head=dict(confidence_tasks=('interactive', )))
