#!/usr/bin/env bash
# Runs every tern test: lit (FileCheck) and ctest (GoogleTest, one ctest test
# per test case), then prints one summary line
#   "tern: N passed, N skipped (no GPU, no tool), N failed"
# counting cases: a GoogleTest case that calls GTEST_SKIP is one skip (the
# kernel tests run each ISA, and each GPU run, as a case of its own, so a
# skip is exactly what did not run here). Exit status 0 only if nothing
# failed, something passed, lit and ctest each found tests, and every
# GoogleTest executable (test/gtest-suites.txt) contributed at least one.
set -uo pipefail
cd "$(dirname "$0")"
BUILD=${BUILD:-build}
JOBS=${JOBS:-2}
[[ -f $BUILD/build.ninja ]] || { echo "test.sh: no build in $BUILD: run ./setup.sh first" >&2; exit 1; }
ninja -C "$BUILD" -j"$JOBS" >&2 || { echo "test.sh: build failed" >&2; exit 1; }
# The GPU bundle (test/gpu/bundle.sh), which test/gpu/bundle.test checks.
ninja -C "$BUILD" gpu-bundle >&2 || { echo "test.sh: the GPU bundle failed to build" >&2; exit 1; }

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
/usr/lib/llvm-22/bin/lit -sv "$BUILD"/test 2>&1 | tee "$log/lit"
lit_rc=${PIPESTATUS[0]}
(cd "$BUILD" && ctest --output-on-failure --no-tests=error -j"$JOBS") 2>&1 | tee "$log/ctest"
ctest_rc=${PIPESTATUS[0]}

count() { grep -Eo "$1" "$2" | grep -Eo '[0-9]+' | head -1; }
lit_total=$(count 'Total Discovered Tests: *[0-9]+' "$log/lit"); lit_total=${lit_total:-0}
lit_pass=$(count 'Passed *: *[0-9]+' "$log/lit"); lit_pass=${lit_pass:-0}
lit_fail=$(grep -E '^ *(Failed|Unresolved|Timed Out|Unexpectedly Passed) *: *[0-9]+' "$log/lit" | awk -F: '{s += $2} END {print s + 0}')
lit_skip=$(count 'Unsupported *: *[0-9]+' "$log/lit"); lit_skip=${lit_skip:-0}
ct_total=$(count 'out of [0-9]+' "$log/ctest"); ct_total=${ct_total:-0}
ct_fail=$(count '[0-9]+ tests failed' "$log/ctest"); ct_fail=${ct_fail:-0}
ct_skip=$(grep -c '(Skipped)' "$log/ctest"); ct_skip=${ct_skip:-0}
ct_pass=$((ct_total - ct_fail - ct_skip))

passed=$((lit_pass + ct_pass)); failed=$((lit_fail + ct_fail))
if [[ $lit_rc -ne 0 || $ctest_rc -ne 0 ]] && [[ $failed -eq 0 ]]; then failed=1; fi
skipped=$((lit_skip + ct_skip))

# Suites that ran no test.
empty=()
if [[ $lit_total -eq 0 ]]; then empty+=("lit ($BUILD/test)"); fi
if [[ $ct_total -eq 0 ]]; then empty+=("ctest"); fi
if [[ -f $BUILD/test/gtest-suites.txt ]]; then
  (cd "$BUILD" && ctest --show-only=json-v1) > "$log/ctest.json" 2>/dev/null
  while IFS= read -r suite; do
    [[ -n $suite ]] || continue
    n=$(python3 -c '
import json, sys
tests = json.load(open(sys.argv[1])).get("tests", [])
print(sum(1 for t in tests if t.get("command", [""])[0] == sys.argv[2]))' "$log/ctest.json" "$suite" 2>/dev/null)
    [[ ${n:-0} -gt 0 ]] || empty+=("$(basename "$suite")")
  done < "$BUILD/test/gtest-suites.txt"
else
  empty+=("$BUILD/test/gtest-suites.txt is missing")
fi
if ((${#empty[@]})); then
  echo "test.sh: ran no test: ${empty[*]}" >&2
  failed=$((failed + ${#empty[@]}))
fi

echo "lit: $lit_pass passed, $lit_skip unsupported, $lit_fail failed; gtest (ctest): $ct_pass passed, $ct_skip skipped, $ct_fail failed" >&2
echo "tern: $passed passed, $skipped skipped (no GPU, no tool), $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
