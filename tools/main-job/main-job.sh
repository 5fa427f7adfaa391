#!/usr/bin/env bash
# The README's main job on the built-in demo model (run by ./setup.sh):
#   tools/main-job/main-job.sh BUILD OUT
# A synthetic `small` BitNet model as an HF checkpoint and a GGUF file,
# imported and run with the scalar reference (the two files must give
# bit-identical logits), compiled for this CPU and run (its logits must match
# the reference's), and examples/bitlinear.mlir lowered to LLVM. Every check
# that fails stops it with "main-job: ..." and exit status 1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:?usage: main-job.sh BUILD OUT}
OUT=${2:?usage: main-job.sh BUILD OUT}
mkdir -p "$OUT"
step() { printf '\n== %s\n' "$*" >&2; }

step "main job: a synthetic 'small' BitNet model, imported and run"
# The same model is written as an HF checkpoint (packed ternary safetensors,
# LLaMA 3 tokenizer cut to the model's vocabulary) and as a GGUF file (TQ2_0).
"$BUILD"/bin/tern-make-model --preset small -o "$OUT"/small-hf
"$BUILD"/bin/tern-make-model --preset small --format gguf --type tq2_0 -o "$OUT"/small.gguf
"$BUILD"/bin/tern-import "$OUT"/small-hf -o "$OUT"/small.mlir
echo "tern graph: $OUT/small.mlir ($(grep -c 'tern.bitlinear' "$OUT"/small.mlir) bitlinears, weights referenced from model.safetensors)" >&2
"$BUILD"/bin/tern-run "$OUT"/small-hf --reference --prompt "The capital of France is" -n 16
"$BUILD"/bin/tern-run "$OUT"/small.gguf --reference --tokens 1,2,3,4,5 --logits-out "$OUT"/gguf-logits.f32
"$BUILD"/bin/tern-run "$OUT"/small-hf --reference --tokens 1,2,3,4,5 --logits-out "$OUT"/hf-logits.f32
if ! cmp "$OUT"/gguf-logits.f32 "$OUT"/hf-logits.f32; then
  echo "main-job: the HF and GGUF files of the model give different logits" >&2
  exit 1
fi
echo "HF and GGUF files of the model give bit-identical logits" >&2

step "main job: the 'small' model compiled for this CPU and run"
# tern-compile: import, fuse, pack, schedule, generate the kernels for the
# host's SIMD (AVX-512 VNNI / AVX2 / NEON), link with the runtime. The
# executable prints prefill and decode tokens/s on stderr.
"$BUILD"/bin/tern-compile "$OUT"/small-hf --target=host -o "$OUT"/small
"$OUT"/small --prompt "The capital of France is" -n 32 --threads 1
"$OUT"/small --tokens 1,2,3,4,5 --logits-out "$OUT"/compiled-logits.f32
# The compiled model's logits against the scalar reference's (float
# reassociation noise only: the integer parts are bit-exact); NaN or Inf
# anywhere fails.
python3 "$ROOT"/test/tools/Inputs/compare_logits.py "$OUT"/compiled-logits.f32 \
  "$OUT"/hf-logits.f32 2e-3 >&2 ||
  { echo "main-job: the compiled model's logits differ from the reference's" >&2; exit 1; }
echo "the compiled model's logits match the reference's" >&2

step "main job: tern.bitlinear through the compiler (examples/bitlinear.mlir)"
"$BUILD"/bin/tern-opt "$ROOT"/examples/bitlinear.mlir --tern-lower-to-llvm -o "$OUT"/bitlinear.llvm.mlir
echo "lowered to LLVM dialect: $OUT/bitlinear.llvm.mlir ($(grep -c 'llvm\.' "$OUT"/bitlinear.llvm.mlir) LLVM ops)" >&2
