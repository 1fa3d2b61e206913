#!/usr/bin/env bash
# For the day a GPU machine is available: build Batch with LibTorch's CUDA runtime, check that Torch sees the
# accelerator, run `bench throughput` on it, and one nightly attempt on `cuda` against the local stack (a scratch
# database seeded with 8 days of synthetic data, dropped afterwards). The CPU build stays the default.
#
#   deploy/gpu-check.sh                              # CUDA: needs the libtorch-cuda-12.8-linux-x64 package
#   BATCH_TORCH_BACKEND=cpu deploy/gpu-check.sh      # the same steps with the CPU runtime, to check the script
#
# BATCH_GPU_CHECK_PER_DAY sets the impressions per day (default 30000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

backend="${BATCH_TORCH_BACKEND:-cuda}"
case "$backend" in cuda) device=cuda ;; cpu) device=cpu ;; *) echo "gpu-check: BATCH_TORCH_BACKEND is cuda or cpu, not '$backend'" >&2; exit 2 ;; esac
per_day="${BATCH_GPU_CHECK_PER_DAY:-30000}"
out="out/batch-$backend"
day=2026-01-15
database=batch_gpu_check

echo "gpu-check: publishing with TorchBackend=$backend to $out"
if ! dotnet publish src/Batch.Lab -c Release -p:TorchBackend="$backend" -o "$out" -nologo -v quiet; then
  echo "gpu-check: the $backend build failed; for cuda, the package source must serve libtorch-cuda-12.8-linux-x64 (see deploy/README.md, CUDA build)" >&2
  exit 1
fi

deploy/local-stack.sh start
eval "$(deploy/local-stack.sh env)"
export Batch__Device="$device"
export Batch__BlobContainer="gpu-check-$(date +%s)"  # a fresh container: the scratch ledger starts at run 1 each time
scratch="${Batch__ConnectionStrings__Postgres/Database=batch/Database=$database}"
pg() { psql "host=127.0.0.1 port=${BATCH_PG_PORT:-55432} user=batch dbname=${2:-postgres}" -qtAc "$1"; }
cleanup() { pg "drop database if exists $database with (force)" >/dev/null || true; }
trap cleanup EXIT
cleanup
pg "create database $database" >/dev/null

echo "gpu-check: bench throughput on $device"
"$out/batch-lab" bench throughput --steps 10 | tee "$out/throughput.txt"
grep -q "^Device $device" "$out/throughput.txt" || { echo "gpu-check: Torch did not train on $device (see the first line above)" >&2; exit 1; }

echo "gpu-check: one nightly attempt of ranker for $day on $device ($per_day impressions a day)"
export Batch__ConnectionStrings__Postgres="$scratch"
"$out/batch" migrate
"$out/batch-lab" seed --days 8 --impressions-per-day "$per_day" --end-day "$day"
"$out/batch" run --model ranker --day "$day" | tee "$out/nightly.txt"
trained_on="$(pg "select detail->>'device' from batch.steps where step = 'train'" "$database")"
[[ "$trained_on" == "$device"* ]] || { echo "gpu-check: the ledger says the model trained on '$trained_on', not $device" >&2; exit 1; }
echo "gpu-check: passed on $device"
