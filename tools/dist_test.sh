#!/usr/bin/env bash
# Distributed testing on one or more machines with torchrun.
#   bash tools/dist_test.sh CONFIG CHECKPOINT NPROC [test.py options...]
# Without a GPU the processes use the gloo backend on the CPU. NNODES,
# NODE_RANK, PORT, MASTER_ADDR and PYTHON: see tools/dist_launch.sh.
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
DIR="$(cd "$(dirname "$0")" && pwd)"

exec bash "$DIR/dist_launch.sh" "$NPROC" "$DIR/test.py" "$CONFIG" \
    "$CHECKPOINT" --launcher pytorch "${@:4}"
