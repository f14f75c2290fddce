#!/usr/bin/env bash
# Distributed training on one or more machines with torchrun.
#   bash tools/dist_train.sh CONFIG NPROC [train.py options...]
# Without a GPU the processes use the gloo backend on the CPU. NNODES,
# NODE_RANK, PORT, MASTER_ADDR and PYTHON: see tools/dist_launch.sh.
set -euo pipefail
CONFIG=$1
NPROC=$2
DIR="$(cd "$(dirname "$0")" && pwd)"

exec bash "$DIR/dist_launch.sh" "$NPROC" "$DIR/train.py" "$CONFIG" \
    --launcher pytorch "${@:3}"
