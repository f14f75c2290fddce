#!/usr/bin/env bash
# Measure every row of the results tables of README.md and configs/*/README.md
# from scratch: each config with 3 seeds, one run at a time, a fixed number
# of threads, every run writing its record to configs/<algo>/results/. Then
# regenerate the README tables, the SIoU curve and the metafiles' measured
# results from the records, and check them.
#
# Run it from the repository root on a machine with nothing else running
# (each record notes the load average; it cannot undo it), then commit
# configs/*/results/, the READMEs and the metafiles:
#
#   bash tools/analysis_tools/remeasure_all.sh
#   STEPS="siou tables" bash tools/analysis_tools/remeasure_all.sh
#
# Environment: PYTHON (default .venv/bin/python), THREADS (default 2),
# SEEDS (default "0 1 2"), WORK (work dirs, default work_dirs/table),
# STEPS (default: all, in this order: demo_world siou focal demo dinov2 dinov2_ssl
# mdrl vl vl2 glee glee_video tables), and, for a quick check of the script itself (not for
# README numbers), RESULTS_DIR (one folder for all records instead of
# configs/<algo>/results/) and OPTIONS (--cfg-options for every run, e.g.
# "train_cfg.max_epochs=1"). A killed run can be started again: --skip-existing skips every
# (config, seed) whose record is complete, and a half-done training is
# retrained from scratch (its record says it did not finish).
set -euo pipefail

PYTHON=${PYTHON:-.venv/bin/python}
THREADS=${THREADS:-2}
SEEDS=${SEEDS:-0 1 2}
WORK=${WORK:-work_dirs/table}
STEPS=${STEPS:-demo_world siou focal demo dinov2 dinov2_ssl mdrl vl vl2 glee glee_video tables}
RESULTS_DIR=${RESULTS_DIR:-}
OPTIONS=${OPTIONS:-}

# shellcheck disable=SC2086  # SEEDS and OPTIONS are lists
run_table() {
    local extra=()
    if [ -n "$RESULTS_DIR" ]; then extra+=(--results-dir "$RESULTS_DIR"); fi
    if [ -n "$OPTIONS" ]; then extra+=(--cfg-options $OPTIONS); fi
    # The configs first: an option of nargs='+' would take them.
    "$PYTHON" tools/analysis_tools/run_table.py "$@" --seeds $SEEDS \
        --threads "$THREADS" --work-dir-root "$WORK" --skip-existing \
        "${extra[@]}"
}

step_demo_world() {
    "$PYTHON" tools/data/make_demo_world.py --out data/demo_world --seed 0 \
        --skip-existing
    # the image-text world with 2,400 training scenes (same val scenes)
    "$PYTHON" tools/data/make_demo_world.py --out data/demo_world_2400 --seed 0 \
        --num-train 2400 --only captions --skip-existing
}

# GIoU / CIoU / SIoU on the 12-epoch FCOS-R18 (validation at epochs 4, 8, 12).
step_siou() {
    run_table configs/siou/fcos_r18_fpn_{giou,ciou,siou}_1xb8-12e_demo-world.py \
        --metrics coco/bbox_mAP@4 coco/bbox_mAP@8 coco/bbox_mAP
}

step_focal() {
    run_table configs/focal_loss/retinanet_r18_fpn_focal-alpha_1xb8-12e_demo-world.py \
        --metrics coco/bbox_mAP@4 coco/bbox_mAP@8 coco/bbox_mAP
}

# The demo detector of `make demo`.
step_demo() {
    run_table configs/demo/fcos_r18_fpn_gn-head_bf16_1xb4-16e_demo-world.py \
        --metrics coco/bbox_mAP coco/bbox_mAP_50
}

# The DINOv2 demo rows. The "det" probes freeze the ViT that the demo
# RetinaNet of the same seed trained, extracted into the official layout.
step_dinov2() {
    local detector=retinanet_dinov2-t14_simplefpn_1xb8-6e_demo-world
    run_table "configs/dinov2/$detector.py" --metrics coco/bbox_mAP
    local seed run checkpoint
    for seed in $SEEDS; do
        run="$WORK/$detector/seed$seed"
        if [ ! -f "$run/backbone.pth" ]; then
            checkpoint=$(cat "$run/last_checkpoint")
            "$PYTHON" tools/model_converters/extract_dinov2_backbone.py \
                "$checkpoint" "$run/backbone.pth"
        fi
    done
    local backbone="model.backbone.init_cfg.checkpoint=$WORK/$detector/seed{seed}/backbone.pth"
    local variant
    for variant in det rand; do
        local options=()
        if [ "$variant" = det ]; then options=(--cfg-options "$backbone"); fi
        run_table "configs/dinov2/dinov2-linear_vit-t14-${variant}_1xb64-6e_demo-world-crops.py" \
            --knn 10 20 --metrics accuracy/top1 "knn:20-NN top-1" "${options[@]}"
        run_table "configs/dinov2/dinov2-linseg_vit-t14-${variant}_1xb8-4e_demo-world.py" \
            --metrics mIoU aAcc "${options[@]}"
        run_table "configs/dinov2/dinov2-lindepth_vit-t14-${variant}_1xb8-4e_demo-world.py" \
            --metrics rmse abs_rel delta1 "${options[@]}"
    done
}

# DINOv2 self-supervised pretraining on the demo world (the EMA teacher,
# exported to the official layout, is the backbone the "ssl" probes freeze),
# then distillation of that teacher into the smaller "n14" student.
# Pretraining has no validation: its record holds the training run only.
pretrain_and_export() {
    local config=$1 seed=$2 part=$3 exported=$4
    shift 4
    local run="$WORK/$(basename "$config" .py)/seed$seed"
    local record="$(dirname "$config")/results/$(basename "$config" .py)_seed$seed.json"
    if [ -n "$RESULTS_DIR" ]; then record="$RESULTS_DIR/$(basename "$record")"; fi
    if [ -f "$run/$exported" ]; then return; fi
    OMP_NUM_THREADS="$THREADS" "$PYTHON" tools/train.py "$config" \
        --work-dir "$run" --record "$record" \
        --cfg-options randomness.seed="$seed" "$@" $OPTIONS
    "$PYTHON" tools/model_converters/dinov2_ssl2official.py \
        "$(cat "$run/last_checkpoint")" "$run/$exported" --part "$part"
}

step_dinov2_ssl() {
    local ssl=dinov2-ssl_vit-t14_1xb32-10e_demo-world
    local distill=dinov2-distill_vit-n14-from-t14_1xb32-10e_demo-world
    local seed
    for seed in $SEEDS; do
        pretrain_and_export "configs/dinov2/$ssl.py" "$seed" teacher \
            teacher_backbone.pth
        pretrain_and_export "configs/dinov2/$distill.py" "$seed" student \
            student_backbone.pth \
            "model.teacher.checkpoint=$(cat "$WORK/$ssl/seed$seed/last_checkpoint")"
    done
    local teacher="model.backbone.init_cfg.checkpoint=$WORK/$ssl/seed{seed}/teacher_backbone.pth"
    local student="model.backbone.init_cfg.checkpoint=$WORK/$distill/seed{seed}/student_backbone.pth"
    run_table configs/dinov2/dinov2-linear_vit-t14-ssl_1xb64-6e_demo-world-crops.py \
        --knn 10 20 --metrics accuracy/top1 "knn:20-NN top-1" --cfg-options "$teacher"
    run_table configs/dinov2/dinov2-linear_vit-n14-distill_1xb64-6e_demo-world-crops.py \
        --knn 10 20 --metrics accuracy/top1 "knn:20-NN top-1" --cfg-options "$student"
    run_table configs/dinov2/dinov2-linseg_vit-t14-ssl_1xb8-4e_demo-world.py \
        --metrics mIoU aAcc --cfg-options "$teacher"
    run_table configs/dinov2/dinov2-lindepth_vit-t14-ssl_1xb8-4e_demo-world.py \
        --metrics rmse abs_rel delta1 --cfg-options "$teacher"
    run_table configs/dinov2/retinanet_dinov2-t14-ssl_simplefpn_1xb8-6e_demo-world.py \
        --metrics coco/bbox_mAP --cfg-options "$teacher"
}

# MDRL and its ablations on the demo identities (test split).
step_mdrl() {
    run_table configs/mdrl/mdrl_vit-tiny-minilm_1xb32-12e_demo-pedes.py \
        configs/mdrl/mdrl-wo-dll_vit-tiny-minilm_1xb32-12e_demo-pedes.py \
        configs/mdrl/mdrl-wo-cim_vit-tiny-minilm_1xb32-12e_demo-pedes.py \
        configs/mdrl/baseline-global_vit-tiny-minilm_1xb32-12e_demo-pedes.py \
        configs/mdrl/irra-like-sdm-id_vit-tiny-minilm_1xb32-12e_demo-pedes.py \
        configs/mdrl/mdrl-hard-split_vit-tiny-minilm_1xb32-12e_demo-pedes.py \
        --metrics tbps/R1 tbps/mAP
}

# CLIP, ALBEF and BLIP on the demo world's captions (val split; the BLIP
# captioner config trains the same model and tests it as a captioner), with
# 480 and with 2,400 training scenes.
step_vl() {
    run_table configs/clip/clip_vit-t16-text-t_1xb64-20e_demo-world.py \
        configs/albef/albef_vit-t16-bert-t_1xb64-15e_demo-world.py \
        configs/blip/blip_vit-t16-med-t_1xb64-15e_demo-world.py \
        configs/clip/clip_vit-t16-text-t_1xb64-6e_demo-world-2400.py \
        configs/albef/albef_vit-t16-bert-t_bf16_1xb64-7e_demo-world-2400.py \
        configs/blip/blip_vit-t16-med-t_bf16_1xb64-7e_demo-world-2400.py \
        --metrics t2i/retrieval/R1 i2t/retrieval/R1 r_mean
    run_table configs/blip/blip_vit-t16-med-t_1xb64-15e_demo-world-caption.py \
        --metrics caption/Bleu_4 caption/CIDEr
}

# ViLT, VLMo (3 stages), BEiT-3 (pretraining + downstream), CoCa (+ its
# captioner test) and the family benchmark's CLIP / ALBEF / BLIP variants, all
# on the 15-epoch demo budget (vl_benchmark.py builds the k-means visual
# tokenizer first and chains the stages' checkpoints), then the benchmark
# table of configs/vl_benchmark/README.md; then ViLT with the steps its ITM
# needs (4x the family budget's).
# shellcheck disable=SC2086  # SEEDS and OPTIONS are lists
step_vl2() {
    local extra=()
    if [ -n "$RESULTS_DIR" ]; then extra+=(--results-dir "$RESULTS_DIR"); fi
    if [ -n "$OPTIONS" ]; then extra+=(--cfg-options $OPTIONS); fi
    "$PYTHON" tools/analysis_tools/vl_benchmark.py --seeds $SEEDS \
        --threads "$THREADS" --work-dir-root "$WORK" --skip-existing \
        "${extra[@]}"
    run_table configs/vilt/vilt_vit-t16_1xb32-30e_demo-world.py \
        --metrics t2i/retrieval/R1 i2t/retrieval/R1 r_mean
}

# A test-only evaluation of a trained checkpoint, recorded like run_table's
# (skipped when its record has a test section).
test_only() {
    local config=$1 seed=$2 checkpoint=$3
    shift 3
    local record
    record="$(dirname "$config")/results/$(basename "$config" .py)_seed$seed.json"
    if [ -n "$RESULTS_DIR" ]; then record="$RESULTS_DIR/$(basename "$record")"; fi
    if "$PYTHON" -c "import sys; from mmvision_plus.utils.results_record import load_record; r = load_record(sys.argv[1]); sys.exit(0 if r and r.get('test') else 1)" "$record"; then
        return
    fi
    # shellcheck disable=SC2086  # OPTIONS is a list
    OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" \
        "$PYTHON" tools/test.py "$config" "$checkpoint" \
        --work-dir "$WORK/$(basename "$config" .py)/seed$seed/test" \
        --record "$record" --cfg-options randomness.seed="$seed" "$@" \
        $OPTIONS
}

# The 16-epoch GLEE instance checkpoint of each seed, which the grounding,
# open-world and interactive fine-tuning configs start from.
GLEE_INSTANCE16="load_from=$WORK/glee_r18_demo_1xb4-16e_demo-world-instance/seed{seed}/epoch_16.pth"

# GLEE image tasks on the demo world (one demo model, each task a config).
step_glee() {
    local glee=configs/glee
    run_table "$glee/glee_r18_demo_1xb4-12e_demo-world-instance.py" \
        "$glee/glee_r18_demo_1xb4-16e_demo-world-instance.py" \
        "$glee/glee_r18_demo_bf16_1xb4-24e_demo-world-instance.py" \
        --metrics coco/bbox_mAP coco/segm_mAP time:train
    run_table "$glee/glee_r18_demo_1xb4-4e_demo-world-refcoco.py" \
        --metrics refexp/rec_accuracy refexp/res_miou
    run_table "$glee/glee_r18_demo_1xb4-12e_demo-world-openworld.py" \
        --metrics coco/AR@@100
    # grounding and open world fine-tuned from the 16-epoch instance model
    run_table "$glee/glee_r18_demo-ft-instance_1xb4-1e_demo-world-refcoco.py" \
        --metrics refexp/rec_accuracy refexp/res_miou \
        --cfg-options "$GLEE_INSTANCE16"
    run_table "$glee/glee_r18_demo-ft-instance_1xb4-2e_demo-world-openworld.py" \
        --metrics coco/AR@@100 --cfg-options "$GLEE_INSTANCE16"
    run_table "$glee/glee_r18_demo-ov-diamond_1xb4-1920i_demo-world.py" \
        --metrics coco/bbox_mAP
    run_table "$glee/glee_r18_demo-joint_1xb4-1920i_demo-world-instance-refcoco.py" \
        --metrics coco/bbox_mAP coco/segm_mAP
    local seed
    for seed in $SEEDS; do
        test_only "$glee/glee_r18_demo-joint_demo-world-refcoco.py" "$seed" \
            "$WORK/glee_r18_demo-joint_1xb4-1920i_demo-world-instance-refcoco/seed$seed/iter_1920.pth"
    done
}

# GLEE's video tasks and visual prompts (configs/glee/README.md): the demo
# image models they start from (instance, grounding; nothing is retrained
# when their records are complete), the video and interactive fine-tuning,
# then test-only evaluations with the same checkpoints: the association
# baselines, VOS (interactive model) and R-VOS (grounding model).
step_glee_video() {
    local glee=configs/glee
    run_table "$glee/glee_r18_demo_1xb4-12e_demo-world-instance.py" \
        --metrics coco/bbox_mAP coco/segm_mAP
    run_table "$glee/glee_r18_demo_1xb4-16e_demo-world-instance.py" \
        --metrics coco/bbox_mAP coco/segm_mAP
    run_table "$glee/glee_r18_demo-ft-instance_1xb4-1e_demo-world-refcoco.py" \
        --metrics refexp/rec_accuracy refexp/res_miou \
        --cfg-options "$GLEE_INSTANCE16"
    "$PYTHON" tools/data/make_demo_world_rvos.py data/demo_world
    local instance="load_from=$WORK/glee_r18_demo_1xb4-12e_demo-world-instance/seed{seed}/epoch_12.pth"
    run_table "$glee/glee_r18_demo_1xb2-4e_demo-world-vis.py" \
        --metrics youtube_vis/segm_mAP mot/HOTA mot/IDF1 \
        --cfg-options "$instance"
    run_table "$glee/glee_r18_demo-interactive_1xb4-4e_demo-world.py" \
        --metrics interactive/mIoU_1 interactive/mIoU_5 interactive/NoC_85 \
        --cfg-options "$GLEE_INSTANCE16"
    local seed
    for seed in $SEEDS; do
        local vis="$WORK/glee_r18_demo_1xb2-4e_demo-world-vis/seed$seed/epoch_4.pth"
        test_only "$glee/glee_r18_demo_1xb2-4e_demo-world-vis-iou-assoc.py" \
            "$seed" "$vis"
        test_only "$glee/glee_r18_demo_1xb2-4e_demo-world-vis-no-assoc.py" \
            "$seed" "$vis"
        test_only "$glee/glee_r18_demo-interactive_demo-world-vos.py" "$seed" \
            "$WORK/glee_r18_demo-interactive_1xb4-4e_demo-world/seed$seed/epoch_4.pth"
        test_only "$glee/glee_r18_demo_demo-world-rvos.py" "$seed" \
            "$WORK/glee_r18_demo-ft-instance_1xb4-1e_demo-world-refcoco/seed$seed/epoch_1.pth"
    done
}

# README blocks (and the SIoU curve) and metafile results from the records.
step_tables() {
    local files=(README.md configs/*/README.md configs/*/metafile.yml)
    "$PYTHON" tools/analysis_tools/run_table.py \
        --update-readme README.md configs/*/README.md \
        --update-metafile configs/*/metafile.yml
    "$PYTHON" tools/analysis_tools/run_table.py --check "${files[@]}"
}

for step in $STEPS; do
    echo "==> [remeasure_all] $step"
    "step_$step"
done
