#!/usr/bin/env bash
# GEMM side by side: d2llm's engine, then the OpenBLAS peer (NumPy) right after it, on the same shapes.
# Usage: bench/gemm.sh [path/to/shared/tools]   (default: ../shared/tools beside the repository)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools="${1:-../shared/tools}"
py=/usr/bin/python3
if ! "$py" -c "import numpy" 2>/dev/null || ! ldconfig -p | grep -q libopenblas; then
  echo "installing python3-numpy and libopenblas0-pthread for the peer ..." >&2
  apt-get update -qq >&2 && apt-get install -y -qq python3-numpy libopenblas0-pthread >&2
fi
printf '%-22s %-6s %10s %10s %7s\n' "m x n x k" "B" "d2llm" "openblas" "ratio"
for shape in "2048 2048 2048 f32 false" "1024 896 896 bf16 true" "1024 4864 896 bf16 true" "1024 896 4864 bf16 true" \
    "16 4864 896 bf16 true" "16 896 4864 bf16 true" "100 512 896 f32 true" "100 512 512 f32 true"; do
  set -- $shape
  trans=(); [ "$5" = true ] && trans=(--trans-b)
  ours=$(./d2llm bench gemm --m "$1" --n "$2" --k "$3" --dtype "$4" "${trans[@]}" 2>/dev/null | tail -n 1 | sed -E 's/.*"gflops":([0-9.]+).*/\1/')
  peer=$(OPENBLAS_CORETYPE=SkylakeX "$py" "$tools/gemm_peer.py" "$1" "$2" "$3" | sed -E 's/.*"gflops": ([0-9.]+).*/\1/')
  printf '%-22s %-6s %10s %10s %7.2f\n' "$1 x $2 x $3" "$4" "$ours" "$peer" "$(echo "$ours / $peer" | bc -l)"
done
