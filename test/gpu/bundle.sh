#!/usr/bin/env bash
# test/gpu/bundle.sh OUT_DIR: every GPU check, built here, for a CUDA machine
# that has no MLIR, no LLVM and no network (at most ~50 MiB travel there).
# Then, on the GPU machine:  OUT_DIR/run.sh [RESULTS_DIR]   (see run.sh)
#
# What goes in (all made here, on the build machine):
#   bin/      tern-gpu-check (kernel cases, benchmarks, GPU info) and
#             tern-pack-skeleton
#   lib/      PCRE2, which the model executables load (everything else they
#             and bin/ need is glibc >= 2.34 and GCC 12's libstdc++: Debian
#             12, Ubuntu 22.04, RHEL 9 and later)
#   cases/    the GPU kernel tests: PTX, inputs and the scalar reference's
#             outputs (tern-gpu-kernel-tests with TERN_GPU_CASES_OUT)
#   bench/    the gpu/ benchmarks' kernels (tern-bench --gpu-bench-out)
#   models/   tiny, small and tiny-llama158 as sm_80 and sm_90 executables with their
#             .tpack, the CPU build's logits and greedy ids for the same
#             prompts; tiny's HF checkpoint (for transformers there); 2b4t
#             as executables plus .tpack skeletons (tern-pack-skeleton:
#             filled to 1.2 GB there)
#   tune-sm_80/, tune-sm_90/  tern-tune's candidates for 2b4t's four
#             ternary matmuls (tern-tune --emit-candidates), which run.sh
#             checks and times (tern-gpu-check tune); bring RESULTS/tune-*
#             back to tern-tune --import-results
#   run.sh, compare_logits.py, hf_logits.py, MANIFEST
# TERN_BUNDLE_2B4T=0 leaves 2b4t out (quicker; for trying things).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: test/gpu/bundle.sh OUT_DIR}
build=${BUILD:-$src/build}
[[ $build = /* ]] || build=$src/$build
bin=$build/bin
for t in tern-gpu-check tern-pack-skeleton tern-gpu-kernel-tests tern-bench tern-make-model tern-compile tern-tune; do
  [[ -x $bin/$t ]] || { echo "bundle.sh: $bin/$t is missing: build first (./setup.sh)" >&2; exit 1; }
done
rm -rf "$out"
mkdir -p "$out"/{bin,lib,cases,bench,models}
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { echo "bundle.sh: $*" >&2; }

cp "$bin/tern-gpu-check" "$bin/tern-pack-skeleton" "$out/bin/"
cp "$src/test/gpu/run.sh" "$src/test/gpu/hf_logits.py" "$src/test/tools/Inputs/compare_logits.py" "$out/"
chmod +x "$out/run.sh"

say "GPU kernel cases"
TERN_GPU_CASES_OUT=$out/cases "$bin/tern-gpu-kernel-tests" --gtest_filter='*Ptx*' \
  > "$work/cases.log" 2>&1 || { cat "$work/cases.log" >&2; exit 1; }
say "GPU bench kernels"
"$bin/tern-bench" --gpu-bench-out="$out/bench" 2>&1 | tail -1 >&2

# The prompts: 8 ids for logits, 3 then 16 generated; 2b4t: 128 and 4.
seq -s, 1 8 > "$out/models/logits.tokens"
echo 1,2,3 > "$out/models/gen.tokens"
seq -s, 100 227 > "$out/models/prefill128.tokens"
echo 1,2,3,4 > "$out/models/decode.tokens"
# tiny-llama158: tiny as the Llama-3 / Falcon3 1.58-bit files are (silu, no
# sub-norms, divide-mode scales, untied head), which transformers reads
# with its own BitNet quantizer there.
for m in tiny small tiny-llama158; do
  say "$m: executables for sm_80 and sm_90, CPU logits and greedy ids"
  case $m in
    *-llama158) make=(--family llama158 --preset "${m%-llama158}") ;;
    *) make=(--preset "$m") ;;
  esac
  "$bin/tern-make-model" "${make[@]}" -o "$work/$m-hf" 2>/dev/null
  for t in sm_80 sm_90; do
    "$bin/tern-compile" "$work/$m-hf" --target=$t -q -o "$out/models/$m-$t"
  done
  "$bin/tern-compile" "$work/$m-hf" -q -o "$work/$m-cpu"
  "$work/$m-cpu" --tokens "$(cat "$out/models/logits.tokens")" --logits-out "$out/models/$m.cpu.f32" > /dev/null 2>&1
  "$work/$m-cpu" --tokens "$(cat "$out/models/gen.tokens")" -n 16 > "$out/models/$m.cpu-gen.ids" 2>/dev/null
done
cp -r "$work/tiny-hf" "$out/models/tiny-hf"
cp -r "$work/tiny-llama158-hf" "$out/models/tiny-llama158-hf"

if [[ ${TERN_BUNDLE_2B4T:-1} != 0 ]]; then
  say "2b4t: making the model (1.1 GB, a minute)"
  "$bin/tern-make-model" --preset 2b4t --no-tokenizer -o "$work/2b4t-hf" 2>/dev/null
  for t in sm_80 sm_90; do
    say "2b4t: compiling for $t and keeping a skeleton of its .tpack"
    "$bin/tern-compile" "$work/2b4t-hf" --target=$t -q -o "$work/2b4t-$t"
    cp "$work/2b4t-$t" "$out/models/2b4t-$t"
    "$bin/tern-pack-skeleton" make "$work/2b4t-$t.tpack" -o "$out/models/2b4t-$t.skel" 2>/dev/null
    rm -f "$work/2b4t-$t.tpack"
    say "2b4t: tern-tune's candidates for $t"
    "$bin/tern-tune" "$work/2b4t-hf" --target=$t --emit-candidates "$out/tune-$t" 2>&1 | grep '^tern-tune: wrote' >&2
  done
  rm -rf "$work/2b4t-hf"
fi

# The model executables' shared libraries beyond glibc, from this machine.
for lib in $(ldd "$out/models/tiny-sm_80" | awk '$3 ~ /^\// {print $3}'); do
  case $(basename "$lib") in
    libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libstdc++*|libgcc_s*) ;;
    *) cp -L "$lib" "$out/lib/" ;;
  esac
done

{
  echo "tern GPU bundle, built $(date -u +%Y-%m-%dT%H:%MZ) from $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cases: $(ls "$out/cases" | wc -l)  bench kernels: $(ls "$out/bench" | wc -l)"
  (cd "$out" && find . -type f | sort | xargs du -k | awk '{s += $1; print} END {print s " KiB in all"}')
} > "$out/MANIFEST"
say "wrote $out ($(du -sh "$out" | cut -f1)); run it there with: $out/run.sh [RESULTS_DIR]"
