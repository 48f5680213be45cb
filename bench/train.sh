#!/usr/bin/env bash
# Training pass side by side (issue 16): one forward keeping activations and one backward, Qwen2.5-0.5B shape, 8 × 128,
# LoRA rank 8 on every projection; d2llm in float32 and with its bf16 dot products, then TorchSharp-cpu (libtorch 2.10)
# float32 and bfloat16 on the same random weights and ids, one after another, twice; then d2llm's full fine-tuning
# pass. Closes with each d2llm engine's best tokens/s and lowest peak RSS over the peers'.  Usage: bench/train.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t rows < <(bench/engines.sh train --config qwen2.5-0.5b --batch 8 --length 128 --runs 2)
rows+=("$(dotnet .d2llm/cli-torch/D2LLM.Cli.dll bench train --config qwen2.5-0.5b --batch 8 --length 128 --runs 2 --tuning full 2>/dev/null | tail -n 1)")
printf '%s\n' "${rows[@]}"
printf '%s\n' "${rows[@]}" | python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
lora = [r for r in rows if r['tuning'] == 'lora']
best = lambda e: max(r['tokens_per_s'] for r in lora if r['engine'] == e)
rss = lambda e: min(r['peak_rss_mb'] for r in lora if r['engine'] == e)
out = {'benchmark': 'train-vs-torchsharp'}
for ours in ('d2llm', 'd2llm-bf16'):
    for peer in ('torch-f32', 'torch-bf16'):
        out[ours + ' vs ' + peer] = {'speed_ratio': round(best(ours) / best(peer), 3), 'peak_rss_ratio': round(rss(ours) / rss(peer), 3)}
print(json.dumps(out))"
