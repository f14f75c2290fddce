#!/usr/bin/env bash
# torchrun launcher shared by dist_train.sh and dist_test.sh:
#   bash tools/dist_launch.sh NPROC SCRIPT [script args...]
# Runs SCRIPT on NPROC processes per node. NNODES, NODE_RANK, PORT,
# MASTER_ADDR and PYTHON come from the environment (defaults: one node,
# port 29500, 127.0.0.1, python); the repository is put on PYTHONPATH.
set -euo pipefail
NPROC=$1
SCRIPT=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}
DIR="$(cd "$(dirname "$0")" && pwd)"

PYTHONPATH="$DIR/..:${PYTHONPATH:-}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" \
    --master_port="$PORT" \
    "$SCRIPT" "${@:3}"
