#!/usr/bin/env bash
# Every check that needs a GPU, in one go, for a session that is lent one (see the device tool's README).
#
#   1. the `#| cuda` cells of the notebooks (nbdev-test --flags cuda on the notebooks that have them); the main job on the GPU;
#   2. the benchmarks at the published configurations: model step speed, eager vs compiled, in bf16;
#      data throughput on the device;
#   3. the standard protocol with the published recipes, SimVP-gSTA first, then PhyDNet, for the minutes left
#      (bench/protocol.py), written to $OUT/protocol.json: copy it to results/protocol.json for the README.
#
# Everything goes to $OUT (logs and JSON). The device machine has PyTorch but not fastai and its
# dependencies: bench/gpu_wheels.sh downloads them here into .whl/ (ignored by git), and the call carries it:
#   run(command="bash bench/gpu_check.sh", carry=[".whl"], timeout_s=540)
# GPU_MINUTES (default 8) is the whole budget of this script; the protocol gets what the first steps leave.
set -u
OUT=${OUT:-/tmp/gpu_check}; mkdir -p "$OUT"
BUDGET=$(( ${GPU_MINUTES:-8} * 60 )); START=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - START) )); }
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg PYTHONPATH="$PWD:/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl 2>&1 | tail -3
fi
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; python3 -c "import torch, fastai; print('torch', torch.__version__, 'fastai', fastai.__version__, torch.cuda.get_device_name())"; } 2>&1 | tee "$OUT/env.txt"

echo "=== 1. cuda cells ($(left) s left)" | tee -a "$OUT/summary.txt"
nbs=$(grep -l '#| cuda' nbs/*.ipynb nbs/examples/*.ipynb | tr '\n' ' ')
timeout 240 python3 -m nbdev.cli nbdev_test --flags cuda --n_workers 4 $nbs > "$OUT/cuda_cells.log" 2>&1 \
  || timeout 240 python3 -c "from nbdev.test import nbdev_test; nbdev_test(flags='cuda', n_workers=4)" >> "$OUT/cuda_cells.log" 2>&1
tail -5 "$OUT/cuda_cells.log" | tee -a "$OUT/summary.txt"

echo "=== 1b. torchrun, one GPU process, tiny run ($(left) s left)" | tee -a "$OUT/summary.txt"
echo 'from moving_mnist.cli import mmnist_train; mmnist_train()' > /tmp/mmnist_train.py     # the console script, without installing
timeout 90 python3 -m torch.distributed.run --nproc_per_node 1 /tmp/mmnist_train.py --arch conv_gru --preset tiny --n_in 4 --n_out 4 \
  --epochs 1 --n_train 64 --n_valid 32 --n_test 16 --bs 8 --quiet --out "$OUT/torchrun1" > "$OUT/torchrun1.log" 2>&1
tail -6 "$OUT/torchrun1.log" | tee -a "$OUT/summary.txt"

echo "=== 1c. the main job on the GPU, as a user types it (a 2-minute budget) ($(left) s left)" | tee -a "$OUT/summary.txt"
timeout 200 python3 /tmp/mmnist_train.py --minutes 2 --quiet --out "$OUT/main_job" > "$OUT/main_job.log" 2>&1
grep -E "device|horizon|skill|model " "$OUT/main_job.log" | tee -a "$OUT/summary.txt"

echo "=== 2. benchmarks ($(left) s left)" | tee -a "$OUT/summary.txt"
timeout 150 python3 bench/model_speed.py --config published --precision bf16 --compile --archs simvp_gsta,tau,predrnnv2,mau,phydnet \
  --json "$OUT/model_speed.json" > "$OUT/model_speed.log" 2>&1
tail -15 "$OUT/model_speed.log" | tee -a "$OUT/summary.txt"
timeout 60 python3 bench/data_throughput.py --seconds 5 --device cuda > "$OUT/data_throughput.log" 2>&1
tail -8 "$OUT/data_throughput.log" | tee -a "$OUT/summary.txt"

echo "=== 3. protocol ($(left) s left)" | tee -a "$OUT/summary.txt"
M=$(python3 -c "print(max(0.5, ($(left) - 90) / 60 / 2))")
timeout $(( $(left) - 20 )) python3 bench/protocol.py --arch simvp_gsta,phydnet --minutes "$M" --quiet --out "$OUT/protocol.json" > "$OUT/protocol.log" 2>&1
tail -20 "$OUT/protocol.log" | tee -a "$OUT/summary.txt"
echo "done in $(( $(date +%s) - START )) s" | tee -a "$OUT/summary.txt"
