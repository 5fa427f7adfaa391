#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-22, -fsanitize=fuzzer,address,undefined)
# in build-fuzz/ and runs each for RUNS executions (default 1000000) from a
# small seed corpus. Not part of ./test.sh or CI: run it by hand.
#   RUNS=N        executions per target
#   TARGETS="..." subset of: gguf safetensors tokenizer runtime runtime-model tunedb
#   JOBS=N        parallel fuzzer processes per target (default 1), each
#                 running RUNS executions
# runtime-model runs the real kernels of the `micro` model, compiled for this
# CPU by build/bin/tern-compile (./setup.sh builds it), over mutated copies of
# its .tpack.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-1000000}
JOBS=${JOBS:-1}
TARGETS=${TARGETS:-"gguf safetensors tokenizer runtime runtime-model tunedb"}
BUILD=build-fuzz
# libFuzzer and the sanitizer runtimes live in libclang-rt-22-dev.
if ! dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null | grep -q "install ok installed"; then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q libclang-rt-22-dev
fi
if [[ ! -f $BUILD/build.ninja ]]; then
  cmake -G Ninja -S . -B "$BUILD" -DTERN_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir >&2
fi
work=$BUILD/fuzz-work
mkdir -p "$work"
model=$PWD/$BUILD/fuzz-model
if [[ " $TARGETS " == *" runtime-model "* ]]; then
  [[ -x build/bin/tern-compile ]] || { echo "run.sh: runtime-model needs build/bin/tern-compile: run ./setup.sh" >&2; exit 1; }
  mkdir -p "$model"
  build/bin/tern-make-model --preset micro --no-tokenizer -o "$model/micro-hf" >&2
  build/bin/tern-compile "$model/micro-hf" --emit=obj --max-batch=8 -q -o "$model/micro.o"
  cmake -B "$BUILD" -DTERN_FUZZ_MODEL_OBJ="$model/micro.o" >&2
fi
for t in $TARGETS; do
  ninja -C "$BUILD" -j2 "tern-fuzz-$t" >&2
  corpus=$work/$t
  mkdir -p "$corpus"
  case $t in
    safetensors)
      # {"w":{"dtype":"U8","shape":[2,4],"data_offsets":[0,8]}} + 8 bytes
      h='{"w":{"dtype":"U8","shape":[2,4],"data_offsets":[0,8]}}'
      { printf "\\x$(printf %02x ${#h})\\0\\0\\0\\0\\0\\0\\0"; printf '%s' "$h"; printf '01234567'; } > "$corpus/seed-u8"
      ;;
    gguf)
      # Small valid GGUF files written by the unit tests.
      [[ -x build/bin/tern-gguf-tests ]] &&
        TERN_GGUF_SEED_DIR=$corpus build/bin/tern-gguf-tests --gtest_filter='GgufSeeds.*' >/dev/null || true
      ;;
    tokenizer)
      cp test/tokenizer/corpus/* test/tokenizer/fuzz_seed_tokenizer.json "$corpus/" 2>/dev/null || true
      ;;
    runtime-model)
      cp "$model/micro.o.tpack" "$corpus/micro.tpack"
      ;;
    tunedb)
      # A small valid database written by the unit tests.
      [[ -x build/bin/tern-tune-db-tests ]] &&
        TERN_TUNEDB_SEED_DIR=$corpus build/bin/tern-tune-db-tests --gtest_filter='TuneDb.RoundTripAndShow' >/dev/null || true
      ;;
    runtime)
      # Small valid .tpack files and a tokenizer blob written by the unit tests.
      [[ -x build/bin/tern-runtime-tests ]] &&
        TERN_RUNTIME_SEED_DIR=$corpus build/bin/tern-runtime-tests --gtest_filter='RuntimeSeeds.*' >/dev/null || true
      ;;
  esac
  echo "== tern-fuzz-$t: $RUNS runs" >&2
  start=$(date +%s)
  maxlen=65536
  # About the model's size: larger inputs only add bytes the size check refuses
  # (exactly its size starves libFuzzer's mutations).
  [[ $t == runtime-model ]] && maxlen=$(( $(stat -c %s "$model/micro.o.tpack") + 2048 ))
  if [[ $JOBS -gt 1 ]]; then
    (cd "$work" && "../bin/tern-fuzz-$t" -runs="$RUNS" -max_len="$maxlen" -jobs="$JOBS" -workers="$JOBS" "$t" >/dev/null 2>&1)
    for ((j = 0; j < JOBS; ++j)); do tail -2 "$work/fuzz-$j.log"; done
  else
    "$BUILD/bin/tern-fuzz-$t" -runs="$RUNS" -max_len="$maxlen" "$corpus" 2>&1 | tail -3
  fi
  echo "== tern-fuzz-$t: done in $(( $(date +%s) - start )) s" >&2
done
