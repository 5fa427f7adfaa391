#!/usr/bin/env bash
# run.sh [RESULTS_DIR]: tern's GPU checks from this bundle (test/gpu/bundle.sh),
# on a machine with an NVIDIA GPU (sm_80 or later) and its driver; no MLIR,
# LLVM or network needed. Results and logs go to RESULTS_DIR, else $OUT, else
# ./results next to this script; summary.txt lists every step.
#
#   1. the GPU kernel tests (cases/: bit for bit where the math is integer)
#   2. tiny and small: GPU logits vs the CPU build's, greedy ids vs the CPU's,
#      with and without the decode CUDA graph
#   3. tiny's HF checkpoint through transformers' own model (when python3
#      has torch and transformers): an independent check of tern's CPU logits
#   4. the gpu/ benchmarks: copy bandwidth, the GEMV/GEMM sweep on the 2B4T
#      shapes, cuBLAS bf16 GEMV; the best GEMV schedules as a schedule file
#   5. 2b4t: its .tpack filled from the skeleton, decode and 128-token
#      prefill tok/s
#   6. tern-tune's candidates for this GPU's target (tune-TARGET/): each
#      checked bit for bit, then timed in interleaved rounds; RESULTS/
#      tune-TARGET/ (manifest and results) goes back to the build machine:
#      tern-tune --import-results RESULTS/tune-TARGET -o DB
# Each step runs under `timeout`; the whole run takes a few minutes.
# Exit status: 0 every step passed, 1 a step failed, 2 no GPU here.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-${OUT:-$here/results}}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
summary=$out/summary.txt
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }
pass=0 fail=0 skip=0
# step NAME SECONDS CMD...: runs CMD with its output in NAME.log.
step() {
  local name=$1 limit=$2 t0 rc
  shift 2
  t0=$(date +%s)
  timeout -k 5 "$limit" "$@" > "$out/$name.log" 2>&1
  rc=$?
  local took=$(( $(date +%s) - t0 ))
  if [[ $rc -eq 0 ]]; then
    pass=$((pass + 1)); say "PASS $name (${took} s)"
  elif [[ $rc -eq 124 || $rc -eq 137 ]]; then
    fail=$((fail + 1)); say "FAIL $name: timed out after ${limit} s (log: $name.log)"
  else
    fail=$((fail + 1)); say "FAIL $name: exit $rc (log: $name.log): $(tail -1 "$out/$name.log")"
  fi
  return $rc
}
skipped() { skip=$((skip + 1)); say "SKIP $1: $2"; }

start=$(date +%s)
info=$(timeout 60 "$here/bin/tern-gpu-check" info 2>&1)
rc=$?
if [[ $rc -eq 2 ]]; then
  say "no GPU, nothing run: ${info#tern-gpu-check: no GPU: }"
  exit 2
elif [[ $rc -ne 0 ]]; then
  say "the GPU does not work, nothing run: $info"
  exit 1
fi
target=$("$here/bin/tern-gpu-check" target)
say "gpu: $info; models run as $target"

# 1. The kernel tests.
step kernel-cases 300 "$here/bin/tern-gpu-check" cases "$here/cases"
say "  $(grep '^cases:' "$out/kernel-cases.log")"
grep -E '^(FAIL|SKIP) ' "$out/kernel-cases.log" | sed 's/^/  /' | tee -a "$summary" > /dev/null

# 2. tiny, small and tiny-llama158: GPU vs CPU.
m_tokens=$(cat "$here/models/logits.tokens")
g_tokens=$(cat "$here/models/gen.tokens")
for m in tiny small tiny-llama158; do
  exe=$here/models/$m-$target
  step "$m-logits" 120 "$exe" --tokens "$m_tokens" --logits-out "$out/$m.gpu.f32" &&
    step "$m-logits-vs-cpu" 120 python3 "$here/compare_logits.py" "$out/$m.gpu.f32" "$here/models/$m.cpu.f32" 1e-3 &&
    say "  $(tail -1 "$out/$m-logits-vs-cpu.log")"
  step "$m-greedy-vs-cpu" 120 bash -c "'$exe' --tokens $g_tokens -n 16 > '$out/$m.gpu-gen.ids' && cmp '$out/$m.gpu-gen.ids' '$here/models/$m.cpu-gen.ids'"
  step "$m-greedy-no-cuda-graph" 120 bash -c "TERN_CUDA_GRAPH=0 '$exe' --tokens $g_tokens -n 16 > '$out/$m.gpu-gen-nograph.ids' && cmp '$out/$m.gpu-gen-nograph.ids' '$here/models/$m.cpu-gen.ids'"
done

# 3. transformers' BitNet on tiny's checkpoint vs tern's CPU logits.
if python3 -c 'import torch, transformers' > /dev/null 2>&1; then
  step hf-transformers-logits 180 python3 "$here/hf_logits.py" "$here/models/tiny-hf" "$m_tokens" "$out/tiny.transformers.f32" &&
    step hf-transformers-vs-tern 60 python3 "$here/compare_logits.py" "$out/tiny.transformers.f32" "$here/models/tiny.cpu.f32" 1e-3 &&
    say "  $(tail -1 "$out/hf-transformers-vs-tern.log")"
  # The llama158 form: transformers' LlamaForCausalLM with its BitNet
  # quantizer (BitLinear divides by weight_scale), an independent check of
  # tern's reading of those files.
  step hf-transformers-llama158-logits 180 python3 "$here/hf_logits.py" "$here/models/tiny-llama158-hf" "$m_tokens" "$out/tiny-llama158.transformers.f32" &&
    step hf-transformers-llama158-vs-tern 60 python3 "$here/compare_logits.py" "$out/tiny-llama158.transformers.f32" "$here/models/tiny-llama158.cpu.f32" 1e-3 &&
    say "  $(tail -1 "$out/hf-transformers-llama158-vs-tern.log")"
else
  skipped hf-transformers "python3 has no torch/transformers"
fi

# 4. The benchmarks.
step gpu-bench 300 "$here/bin/tern-gpu-check" bench "$here/bench" --schedules-out "$out/gpu-schedules.json"
grep -E '^(gpu|copy|shape|  |goals)' "$out/gpu-bench.log" | tee -a "$summary" > /dev/null

# 5. 2b4t, the full-size model, from its skeleton.
if [[ -f $here/models/2b4t-$target.skel ]]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp "$here/models/2b4t-$target" "$work/2b4t"
  if step 2b4t-fill 180 "$here/bin/tern-pack-skeleton" fill "$here/models/2b4t-$target.skel" -o "$work/2b4t.tpack"; then
    # The executable's timing line: "prefill N tokens in X ms (R tok/s), decode ...".
    rate() { sed -n "s/.*$1 [0-9]* tokens in [0-9.]* ms (\([0-9.]*\) tok\/s).*/\1/p" "$2" | tail -1; }
    for i in 1 2 3; do
      step "2b4t-decode-$i" 120 "$work/2b4t" --tokens "$(cat "$here/models/decode.tokens")" -n 128 &&
        echo "$(rate decode "$out/2b4t-decode-$i.log")" >> "$out/2b4t-decode.rates"
      step "2b4t-prefill128-$i" 120 "$work/2b4t" --tokens "$(cat "$here/models/prefill128.tokens")" -n 1 &&
        echo "$(rate prefill "$out/2b4t-prefill128-$i.log")" >> "$out/2b4t-prefill.rates"
    done
    med() { [[ -s $1 ]] && sort -n "$1" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)] " tok/s (runs: " NR ", min " v[1] ", max " v[NR] ")"}'; }
    say "  2b4t decode (127 tokens after a 4-token prompt): $(med "$out/2b4t-decode.rates")"
    say "  2b4t prefill of 128 tokens: $(med "$out/2b4t-prefill.rates")"
  fi
else
  skipped 2b4t "the bundle has no 2b4t skeleton for $target"
fi

# 6. tern-tune's candidates.
if [[ -f $here/tune-$target/manifest.txt ]]; then
  mkdir -p "$out/tune-$target"
  cp "$here/tune-$target/manifest.txt" "$out/tune-$target/"
  step gpu-tune 300 "$here/bin/tern-gpu-check" tune "$here/tune-$target" --results "$out/tune-$target/results.txt" &&
    grep '^tune:' "$out/gpu-tune.log" | tee -a "$summary" > /dev/null
else
  skipped gpu-tune "the bundle has no tern-tune candidates for $target"
fi

say "run.sh: $pass passed, $fail failed, $skip skipped in $(( $(date +%s) - start )) s"
[[ $fail -eq 0 ]]
