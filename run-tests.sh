#!/usr/bin/env bash
# Runs every test project of the solution in Release and closes with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
dotnet test D2LLM.SemanticKernel.sln -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
count() { grep -E '^(Passed|Failed)!' "$log" | sed -E "s/.*$1: +([0-9]+).*/\1/" | awk '{ s += $1 } END { print s + 0 }'; }
passed=$(count Passed)
failed=$(count Failed)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "the test run failed before reporting results (build error?)" >&2
  failed=1
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
