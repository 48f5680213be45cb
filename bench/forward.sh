#!/usr/bin/env bash
# Decoder forward side by side: d2llm on a random bf16 model of a published shape, then the PyTorch CPU peer
# (float32, 2 threads) right after it; then TorchSharp-cpu (float32 and bfloat16) interleaved; then tokenizer throughput.  Usage: bench/forward.sh [path/to/shared]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
shared="${1:-../shared}"
py=/usr/bin/python3
if ! "$py" -c "import torch" 2>/dev/null; then
  echo "installing python3-torch for the peer ..." >&2
  apt-get update -qq >&2 && apt-get install -y -qq python3-torch >&2
fi
./d2llm bench forward --config qwen2.5-0.5b --batch 8 --length 128 2>/dev/null | tail -n 1
OPENBLAS_CORETYPE=SkylakeX "$py" "$shared/tools/torch_forward_peer.py" --batch 8 --len 128 --threads 2 | tail -n 1
./d2llm bench forward --config qwen3-0.6b --batch 8 --length 128 2>/dev/null | tail -n 1
# The peer's layer has no q/k norm and derives head_dim = hidden/heads, so Qwen3-0.6B (head_dim 128 ≠ 1024/16)
# is only approximated by it; this row is for reference.
OPENBLAS_CORETYPE=SkylakeX "$py" "$shared/tools/torch_forward_peer.py" --hidden 1024 --layers 28 --heads 16 --kv 8 --inter 3072 --batch 8 --len 128 --threads 2 | tail -n 1
# TorchSharp-cpu (libtorch 2.10) on the same random weights and ids (issue 16): the CLI built with libtorch, d2llm in
# float32 and with its bf16 dot products, libtorch float32 and bfloat16, interleaved twice; then the ratio of each d2llm
# engine's best to the faster peer's.
mapfile -t rows < <(bench/engines.sh forward --config qwen2.5-0.5b --batch 8 --length 128)
printf '%s\n' "${rows[@]}"
printf '%s\n' "${rows[@]}" | python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
best = lambda e: max(r['tokens_per_s'] for r in rows if r['engine'] == e)
rss = lambda e: min(r['peak_rss_mb'] for r in rows if r['engine'] == e)
peer = max(('torch-f32', 'torch-bf16'), key=best)
print(json.dumps({'benchmark': 'forward-vs-torchsharp', 'faster_peer': peer,
                  'ratio_f32': round(best('d2llm') / best(peer), 3), 'ratio_bf16': round(best('d2llm-bf16') / best(peer), 3),
                  'd2llm_peak_rss_mb': rss('d2llm'), 'd2llm_bf16_peak_rss_mb': rss('d2llm-bf16'),
                  'torch_f32_peak_rss_mb': rss('torch-f32'), 'torch_bf16_peak_rss_mb': rss('torch-bf16')}))"
python3 -c "import json,sys
for l in open(sys.argv[1]): print(json.dumps({'text': json.loads(l)['text']}, ensure_ascii=False))" \
  "$shared/data/scifact/corpus.jsonl" > /tmp/d2llm-tokenizer-bench.jsonl
./d2llm bench tokenizer --model tests/fixtures/tokenizer --input /tmp/d2llm-tokenizer-bench.jsonl 2>/dev/null | tail -n 1
