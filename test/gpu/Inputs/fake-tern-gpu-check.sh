#!/usr/bin/env bash
# Stands in for the bundle's bin/tern-gpu-check in bundle.test: a fake sm_90
# GPU whose kernel cases and benchmarks pass, so that run.sh's own logic
# (steps, comparisons, timeouts, the summary and its exit status) is
# checked on a machine without a GPU.
case $1 in
  info) echo "sm_90 Fake GPU driver 13.0" ;;
  target) echo sm_90 ;;
  cases) n=$(ls "$2"/*.gpucase | wc -l); echo "cases: $n passed, 0 failed, 0 skipped of $n" ;;
  bench) echo "gpu: Fake GPU (sm_90)"; echo "goals: all met"; echo '{"schedules": []}' > "$4" ;;
  tune) printf 'TERNGPR1\ngpu 90 13000 Fake GPU\nend\n' > "$4"; echo "tune: 0 candidates in 0 groups on Fake GPU (sm_90): 0 wrong, 0 failed, 0 timings; results in $4" ;;
  *) exit 1 ;;
esac
