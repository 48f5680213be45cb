#!/usr/bin/env bash
# `d2llm bench forward|train` on its four engines (d2llm, d2llm-bf16, torch-f32, torch-bf16) one after another, twice,
# through the CLI built with libtorch (TorchSharp-cpu, in .d2llm/cli-torch); one JSON line per run.
# Usage: bench/engines.sh forward|train [bench options]  (forward.sh and train.sh call it)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build src/D2LLM.Cli/D2LLM.Cli.csproj -c Release -p:LibTorch=cpu -o .d2llm/cli-torch -v quiet -clp:ErrorsOnly >&2
for round in 1 2; do
  for engine in d2llm d2llm-bf16 torch-f32 torch-bf16; do
    dotnet .d2llm/cli-torch/D2LLM.Cli.dll bench "$@" --engine "$engine" 2>/dev/null | tail -n 1
  done
done
