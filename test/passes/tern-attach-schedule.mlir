// Default option: an empty schedule (every knob left to the target) on ops
// without one; existing schedules are kept.
// RUN: tern-opt %s --tern-attach-schedule | FileCheck %s --check-prefix=DEFAULT

// A given schedule; existing schedules are kept.
// RUN: tern-opt %s '--tern-attach-schedule=schedule=#tern.schedule<tile_n=8,threads=2>' | FileCheck %s --check-prefix=KEEP
// RUN: tern-opt %s '--tern-attach-schedule=schedule=#tern.schedule<tile_n=8,threads=2> override=false' | FileCheck %s --check-prefix=KEEP

// override=true replaces existing schedules too. Option values with spaces
// must be quoted inside the option string.
// RUN: tern-opt %s '--tern-attach-schedule=schedule=#tern.schedule<tile_n=8,threads=2> override=true' | FileCheck %s --check-prefix=OVERRIDE
// RUN: tern-opt %s '--tern-attach-schedule=schedule="#tern.schedule<tile_n = 8, threads = 2>" override=true' | FileCheck %s --check-prefix=OVERRIDE
// RUN: tern-opt %s --pass-pipeline='builtin.module(tern-attach-schedule{override=true schedule="#tern.schedule<threads = 2, tile_n = 8>"})' | FileCheck %s --check-prefix=OVERRIDE

// Bad options: not a schedule, a schedule that fails its verifier, not an
// attribute at all.
// RUN: not tern-opt %s '--tern-attach-schedule=schedule=#tern.layout<>' 2>&1 | FileCheck %s --check-prefix=ERR-KIND
// RUN: not tern-opt %s '--tern-attach-schedule=schedule=#tern.schedule<tile_k=3>' 2>&1 | FileCheck %s --check-prefix=ERR-VERIFY
// RUN: not tern-opt %s '--tern-attach-schedule=schedule=#tern.schedule<tile_m=-1>' 2>&1 | FileCheck %s --check-prefix=ERR-NEG
// RUN: not tern-opt %s '--tern-attach-schedule=schedule=tile_n=8' 2>&1 | FileCheck %s --check-prefix=ERR-SYNTAX
// RUN: not tern-opt %s '--tern-attach-schedule=override=maybe' 2>&1 | FileCheck %s --check-prefix=ERR-BOOL

// target=: ops without a schedule get the target's default; existing ones
// are kept unless override is set.
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-64-v3' | FileCheck %s --check-prefix=V3
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-64-v3 override=true' | FileCheck %s --check-prefix=V3-OVR
// RUN: tern-opt %s '--tern-attach-schedule=target=generic' | FileCheck %s --check-prefix=GENERIC
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni' | FileCheck %s --check-prefix=AVX512
// RUN: tern-opt %s '--tern-attach-schedule=target=aarch64-dotprod' | FileCheck %s --check-prefix=NEON
// RUN: tern-opt %s '--tern-attach-schedule=target=aarch64-i8mm' | FileCheck %s --check-prefix=NEON
// target=host resolves to host-target when the driver gives one, else to
// this machine (whatever it is, one of the table's rows).
// RUN: tern-opt %s '--tern-attach-schedule=target=host host-target=aarch64-i8mm' | FileCheck %s --check-prefix=NEON
// RUN: tern-opt %s '--tern-attach-schedule=target=host host-target=x86-64-v3' | FileCheck %s --check-prefix=V3
// RUN: tern-opt %s '--tern-attach-schedule=target=host' | FileCheck %s --check-prefix=HOST
// host-target alone does nothing.
// RUN: tern-opt %s '--tern-attach-schedule=host-target=x86-64-v3' | FileCheck %s --check-prefix=DEFAULT

// schedule-file=: records override the target default and existing
// schedules; without a target, unmatched ops get the `schedule` option.
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni schedule-file=%S/Inputs/schedules.json' | FileCheck %s --check-prefix=FILE
// RUN: tern-opt %s --pass-pipeline='builtin.module(tern-attach-schedule{schedule-file=%S/Inputs/schedules.json schedule="#tern.schedule<unroll = 4>"})' | FileCheck %s --check-prefix=FILE-NOTARGET

// A record outside the target's schedule space: a value it does not allow,
// a knob it does not read (threads is a GPU knob); each names the file,
// the record, the knob and the allowed values or knobs.
// RUN: not tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni schedule-file=%S/Inputs/schedules-out-of-space.json' 2>&1 | FileCheck %s --check-prefix=ERR-SPACE
// RUN: not tern-opt %s '--tern-attach-schedule=target=sm_80 schedule-file=%S/Inputs/schedules-out-of-space.json' 2>&1 | FileCheck %s --check-prefix=ERR-SPACE-GPU
// ERR-SPACE-DAG: error: tern-attach-schedule: schedule file '{{.*}}schedules-out-of-space.json': record 0: tile_n = 7 is not in the space of ternary_matmul on x86-avx512-vnni (allowed: 1, 2, 3, 4, 6)
// ERR-SPACE-DAG: error: tern-attach-schedule: schedule file '{{.*}}schedules-out-of-space.json': record 1: threads is not a knob of ternary_matmul on x86-avx512-vnni (its knobs: layout, tile_m, tile_n, gemv_tile_n, prefetch)
// ERR-SPACE-GPU-DAG: record 0: tile_n is not a knob of ternary_matmul on sm_80 (its knobs: threads, unroll, tile_m, mma)
// ERR-SPACE-GPU-DAG: record 1: threads = 2 is not in the space of ternary_matmul on sm_80 (allowed: 64, 128, 256)

// tuned-file= (tuning records, as tern-compile writes them from its
// database): above the default and below schedule-file; a record with a
// "layout" matches only that layout; record-source marks where each
// schedule came from.
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni tuned-file=%S/Inputs/schedules-tuned.json tuned-name=DB record-source=true' | FileCheck %s --check-prefix=TUNED
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni tuned-file=%S/Inputs/schedules-tuned.json schedule-file=%S/Inputs/schedules.json record-source=true' | FileCheck %s --check-prefix=TUNED-FILE
// TUNED-LABEL: func.func @kernels
// TUNED: tern.ternary_matmul {{.*}} {parts = array<i64: 64, 32, 32>, schedule = #tern.schedule<prefetch = 4>, tern.schedule_source = "a tuning record (DB)"}
// TUNED: tern.ternary_matmul {{.*}} residual %{{.*}} {schedule = #tern.schedule<tile_m = 2>, tern.schedule_source = "a tuning record (DB)"}
// TUNED: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<unroll = 2>, tern.schedule_source = "the op"}
// TUNED: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2lane">, tern.schedule_source = "the x86-avx512-vnni default"}
// TUNED-FILE-LABEL: func.func @kernels
// TUNED-FILE: tern.ternary_matmul {{.*}} {parts = array<i64: 64, 32, 32>, schedule = #tern.schedule<tile_m = 8>, tern.schedule_source = "schedule file record 3 ({{.*}}schedules.json)"}
// TUNED-FILE: tern.ternary_matmul {{.*}} residual %{{.*}} {schedule = #tern.schedule<prefetch = 8>, tern.schedule_source = "schedule file record 2 ({{.*}}schedules.json)"}

// Bad targets, and target= with schedule=.
// RUN: not tern-opt %s '--tern-attach-schedule=target=x86' 2>&1 | FileCheck %s --check-prefix=ERR-TARGET
// RUN: not tern-opt %s '--tern-attach-schedule=target=host host-target=host' 2>&1 | FileCheck %s --check-prefix=ERR-HOST
// RUN: not tern-opt %s '--tern-attach-schedule=target=host host-target=skylake' 2>&1 | FileCheck %s --check-prefix=ERR-HOST2
// RUN: not tern-opt %s '--tern-attach-schedule=target=generic schedule=#tern.schedule<tile_n=2>' 2>&1 | FileCheck %s --check-prefix=ERR-BOTH
// ERR-TARGET: error: tern-attach-schedule: unknown target 'x86' (valid: generic, x86-64-v3, x86-avx512-vnni, x86-amx, aarch64-dotprod, aarch64-i8mm, sm_80, sm_90, sm_90a, host)
// ERR-HOST: error: tern-attach-schedule: host-target 'host' is not a concrete target (valid: generic, x86-64-v3, x86-avx512-vnni, x86-amx, aarch64-dotprod, aarch64-i8mm, sm_80, sm_90, sm_90a)
// ERR-HOST2: error: tern-attach-schedule: host-target 'skylake' is not a concrete target
// ERR-BOTH: error: tern-attach-schedule: give either target= or schedule=, not both

// Bad schedule files: each error names the file and the record.
// RUN: not tern-opt %s '--tern-attach-schedule=schedule-file=%S/Inputs/no-such-file.json' 2>&1 | FileCheck %s --check-prefix=ERR-MISSING
// RUN: not tern-opt %s '--tern-attach-schedule=schedule-file=%S/Inputs/schedules-bad-json.json' 2>&1 | FileCheck %s --check-prefix=ERR-JSON
// RUN: not tern-opt %s '--tern-attach-schedule=schedule-file=%S/Inputs/schedules-no-list.json' 2>&1 | FileCheck %s --check-prefix=ERR-LIST
// RUN: not tern-opt %s '--tern-attach-schedule=schedule-file=%S/Inputs/schedules-not-object.json' 2>&1 | FileCheck %s --check-prefix=ERR-NOTOBJ
// RUN: not tern-opt %s '--tern-attach-schedule=schedule-file=%S/Inputs/schedules-no-schedule.json' 2>&1 | FileCheck %s --check-prefix=ERR-NOSCHED
// RUN: not tern-opt %s '--tern-attach-schedule=schedule-file=%S/Inputs/schedules-bad-schedule.json' 2>&1 | FileCheck %s --check-prefix=ERR-BADSCHED
// RUN: not tern-opt %s '--tern-attach-schedule=schedule-file=%S/Inputs/schedules-not-schedule.json' 2>&1 | FileCheck %s --check-prefix=ERR-NOTSCHED
// RUN: not tern-opt %s '--tern-attach-schedule=schedule-file=%S/Inputs/schedules-unknown-op.json' 2>&1 | FileCheck %s --check-prefix=ERR-OP
// RUN: not tern-opt %s '--tern-attach-schedule=schedule-file=%S/Inputs/schedules-unknown-key.json' 2>&1 | FileCheck %s --check-prefix=ERR-KEY
// RUN: not tern-opt %s '--tern-attach-schedule=schedule-file=%S/Inputs/schedules-both-kinds.json' 2>&1 | FileCheck %s --check-prefix=ERR-KINDS
// RUN: not tern-opt %s '--tern-attach-schedule=schedule-file=%S/Inputs/schedules-bad-shape.json' 2>&1 | FileCheck %s --check-prefix=ERR-SHAPE
// ERR-MISSING: error: tern-attach-schedule: schedule file '{{.*}}Inputs/no-such-file.json': cannot read it: {{[Nn]}}o such file or directory
// ERR-JSON: error: tern-attach-schedule: schedule file '{{.*}}Inputs/schedules-bad-json.json': invalid JSON: [3:27, byte=121]: Expected , or } after object property
// ERR-LIST: error: tern-attach-schedule: schedule file '{{.*}}Inputs/schedules-no-list.json': expected an object {"schedules": [...]}
// ERR-NOTOBJ: error: tern-attach-schedule: schedule file '{{.*}}Inputs/schedules-not-object.json': record 0: expected an object
// ERR-NOSCHED: error: tern-attach-schedule: schedule file '{{.*}}Inputs/schedules-no-schedule.json': record 1: needs "schedule": "#tern.schedule<...>"
// ERR-BADSCHED: error: tern-attach-schedule: schedule file '{{.*}}Inputs/schedules-bad-schedule.json': record 2: "#tern.schedule<tile_m = -3>" is not a #tern.schedule<...> attribute: schedule knob tile_m must be >= 0 (0 lets the target choose), got -3
// ERR-NOTSCHED: error: tern-attach-schedule: schedule file '{{.*}}Inputs/schedules-not-schedule.json': record 0: "#tern.layout<block = 16>" is not a #tern.schedule<...> attribute
// ERR-OP: error: tern-attach-schedule: schedule file '{{.*}}Inputs/schedules-unknown-op.json': record 0: unknown op "conv2d" (known: ternary_matmul, bitlinear, matmul, int8_matmul, attention, norm_quantize)
// ERR-KEY: error: tern-attach-schedule: schedule file '{{.*}}Inputs/schedules-unknown-key.json': record 0: unknown key "tile_n" (known: op, n, k, layout, weight, schedule)
// ERR-KINDS: error: tern-attach-schedule: schedule file '{{.*}}Inputs/schedules-both-kinds.json': record 0: give either "weight" or "op", "n" and "k", not both
// ERR-SHAPE: error: tern-attach-schedule: schedule file '{{.*}}Inputs/schedules-bad-shape.json': record 0: needs "weight", or "op" (a string), "n" and "k" (integers)

// ERR-KIND: error: tern-attach-schedule: option schedule="#tern.layout<>" is not a #tern.schedule<...> attribute
// ERR-VERIFY: error: duplicate or unknown struct parameter name: tile_k
// ERR-VERIFY: error: tern-attach-schedule: option schedule="#tern.schedule<tile_k=3>" is not a #tern.schedule<...> attribute
// ERR-NEG: error: schedule knob tile_m must be >= 0 (0 lets the target choose), got -1
// ERR-NEG: error: tern-attach-schedule: option schedule="#tern.schedule<tile_m=-1>" is not a #tern.schedule<...> attribute
// ERR-SYNTAX: error: tern-attach-schedule: option schedule="tile_n=8" is not a #tern.schedule<...> attribute
// ERR-BOOL: 'maybe' is invalid value for boolean argument

// DEFAULT-LABEL: func.func @layer
// DEFAULT: tern.bitlinear {{.*}} {schedule = #tern.schedule<>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
// DEFAULT: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_m = 2, unroll = 2>} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
// DEFAULT: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<>} : tensor<?x32xi8>, tensor<?xf32>, !tern.ternary<64x32, #tern.layout<pack_dim = 0, block = 16>>, f32 -> tensor<?x64xf32>

// KEEP-LABEL: func.func @layer
// KEEP: tern.bitlinear {{.*}} {schedule = #tern.schedule<tile_n = 8, threads = 2>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
// KEEP: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_m = 2, unroll = 2>} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
// KEEP: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 8, threads = 2>} : tensor<?x32xi8>, tensor<?xf32>, !tern.ternary<64x32, #tern.layout<pack_dim = 0, block = 16>>, f32 -> tensor<?x64xf32>

// OVERRIDE-LABEL: func.func @layer
// OVERRIDE: tern.bitlinear {{.*}} {schedule = #tern.schedule<tile_n = 8, threads = 2>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
// OVERRIDE: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 8, threads = 2>} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
// OVERRIDE: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 8, threads = 2>} : tensor<?x32xi8>, tensor<?xf32>, !tern.ternary<64x32, #tern.layout<pack_dim = 0, block = 16>>, f32 -> tensor<?x64xf32>
func.func @layer(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<32x64, #tern.layout<>>, %w8: tensor<32x64xi8>, %w2: !tern.ternary<64x32, #tern.layout<pack_dim = 0, block = 16>>, %ws: f32) -> tensor<?x64xf32> {
  %a = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
  %b = tern.bitlinear %q, %s, %w8, %ws {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_m = 2, unroll = 2>} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  %sum = tern.add %a, %b : tensor<?x32xf32>
  %f = tern.relu2 %sum : tensor<?x32xf32>
  %fq, %fs = tern.quantize %f : tensor<?x32xf32> -> tensor<?x32xi8>, tensor<?xf32>
  %c = tern.bitlinear %fq, %fs, %w2, %ws {scale_mode = #tern.scale_mode<divide>} : tensor<?x32xi8>, tensor<?xf32>, !tern.ternary<64x32, #tern.layout<pack_dim = 0, block = 16>>, f32 -> tensor<?x64xf32>
  return %c : tensor<?x64xf32>
}

// Other ops are left alone (no schedule attribute appears on them), and
// bitlinears in every function of the module are visited.
// DEFAULT-LABEL: func.func @other_ops
// DEFAULT: tern.relu2 %{{[^ ]*}} : tensor<4xf32>
// DEFAULT-NEXT: return
// DEFAULT-LABEL: func.func @second_function
// DEFAULT: tern.bitlinear {{.*}} {schedule = #tern.schedule<>} : tensor<1x64xi8>
// KEEP-LABEL: func.func @second_function
// KEEP: tern.bitlinear {{.*}} {schedule = #tern.schedule<tile_n = 8, threads = 2>} : tensor<1x64xi8>
func.func @other_ops(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = tern.relu2 %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
func.func @second_function(%q: tensor<1x64xi8>, %s: tensor<1xf32>, %w: tensor<32x64xi8>, %ws: f32) -> tensor<1x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<1x64xi8>, tensor<1xf32>, tensor<32x64xi8>, f32 -> tensor<1x32xf32>
  return %y : tensor<1x32xf32>
}

// V3-LABEL: func.func @layer
// V3: tern.bitlinear {{.*}} {schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2lane">}
// V3: tern.bitlinear {{.*}} schedule = #tern.schedule<tile_m = 2, unroll = 2>}
// V3: tern.bitlinear {{.*}} schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2lane">}
// V3-LABEL: func.func @kernels
// V3: tern.ternary_matmul {{.*}} {parts = array<i64: 64, 32, 32>, schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2x1">}
// V3: tern.ternary_matmul {{.*}} residual %{{.*}} {schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2lane">}
// V3: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<unroll = 2>}
// V3: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2lane">}

// V3-OVR-LABEL: func.func @layer
// V3-OVR-COUNT-3: schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2lane">}
// V3-OVR-LABEL: func.func @kernels
// V3-OVR-COUNT-4: schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "{{i2x1|i2lane}}">}
// V3-OVR-NOT: unroll

// GENERIC-LABEL: func.func @kernels
// GENERIC: tern.ternary_matmul {{.*}}schedule = #tern.schedule<tile_m = 1, tile_n = 1, layout = "i2x1">}
// GENERIC: tern.ternary_matmul {{.*}}schedule = #tern.schedule<tile_m = 1, tile_n = 1, layout = "i2x2">}
// GENERIC: tern.ternary_matmul {{.*}}schedule = #tern.schedule<unroll = 2>}
// GENERIC: tern.ternary_matmul {{.*}}schedule = #tern.schedule<tile_m = 1, tile_n = 1, layout = "i2x2">}

// AVX512-LABEL: func.func @kernels
// AVX512: tern.ternary_matmul {{.*}}schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2x1">}

// NEON-LABEL: func.func @kernels
// NEON: tern.ternary_matmul {{.*}}schedule = #tern.schedule<tile_m = 4, tile_n = 2, prefetch = 4, layout = "i2x1">}

// HOST-LABEL: func.func @kernels
// HOST: tern.ternary_matmul {{.*}}schedule = #tern.schedule<tile_m = {{1, tile_n = 1|8, tile_n = 3|4, tile_n = 2, prefetch = 4}}{{(, isa = "amx")?}}, layout = "i2x1">}

// Inputs/schedules.json: the qkv op matches the k_proj weight record through
// its packed global's `sources`; down_proj's weight record beats its shape
// record; the 64x64 op matches two shape records (the later wins) and loses
// its own schedule; the 32x64 bitlinears match the bitlinear record, which
// a 32x64 ternary_matmul does not.
// FILE-LABEL: func.func @layer
// FILE: tern.bitlinear {{.*}} {schedule = #tern.schedule<gemv_tile_n = 4>}
// FILE: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<gemv_tile_n = 4>}
// FILE: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2lane">}
// FILE-LABEL: func.func @second_function
// FILE: tern.bitlinear {{.*}} {schedule = #tern.schedule<gemv_tile_n = 4>}
// FILE-LABEL: func.func @kernels
// FILE: tern.ternary_matmul {{.*}} {parts = array<i64: 64, 32, 32>, schedule = #tern.schedule<tile_m = 8>}
// FILE: tern.ternary_matmul {{.*}} residual %{{.*}} {schedule = #tern.schedule<prefetch = 8>}
// FILE: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<tile_n = 6>}
// FILE: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2lane">}

// FILE-NOTARGET-LABEL: func.func @layer
// FILE-NOTARGET: tern.bitlinear {{.*}} {schedule = #tern.schedule<gemv_tile_n = 4>}
// FILE-NOTARGET: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<gemv_tile_n = 4>}
// FILE-NOTARGET: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<unroll = 4>}
// FILE-NOTARGET-LABEL: func.func @kernels
// FILE-NOTARGET: tern.ternary_matmul {{.*}}schedule = #tern.schedule<tile_m = 8>}
// FILE-NOTARGET: tern.ternary_matmul {{.*}}schedule = #tern.schedule<prefetch = 8>}
// FILE-NOTARGET: tern.ternary_matmul {{.*}}schedule = #tern.schedule<tile_n = 6>}
// FILE-NOTARGET: tern.ternary_matmul {{.*}}schedule = #tern.schedule<unroll = 4>}

// DEFAULT-LABEL: func.func @kernels
// DEFAULT: tern.ternary_matmul {{.*}} {parts = array<i64: 64, 32, 32>, schedule = #tern.schedule<>}
// DEFAULT: tern.ternary_matmul {{.*}} residual %{{.*}} {schedule = #tern.schedule<>}
// DEFAULT: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<unroll = 2>}
// DEFAULT: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<>}
// OVERRIDE-LABEL: func.func @kernels
// OVERRIDE-COUNT-4: tern.ternary_matmul {{.*}}schedule = #tern.schedule<tile_n = 8, threads = 2>}

// Kernel ops (tern.ternary_matmul) are scheduled the same way. Their N is the
// total of all results' rows; a packed weight is matched by its `sources`.
tern.global @"model.layers.0.self_attn.q_proj.weight.packed" : !tern.ternary<128x64, #tern.layout<block = 16>> from "model.tpack" offset 0 {sources = [@"model.layers.0.self_attn.q_proj.weight", @"model.layers.0.self_attn.k_proj.weight", @"model.layers.0.self_attn.v_proj.weight"]}
tern.global @"model.layers.0.mlp.down_proj.weight" : tensor<64x128xi8> from "m.gguf" offset 0 encoding "ggml.i2_s"
func.func @kernels(%x: tensor<?x64xi8>, %x2: tensor<?x128xi8>, %s: tensor<?xf32>, %ws: f32, %w: tensor<32x64xi8>, %h: tensor<?x64xf32>) -> (tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>) {
  %p = tern.get_global @"model.layers.0.self_attn.q_proj.weight.packed" : !tern.ternary<128x64, #tern.layout<block = 16>>
  %qkv:3 = tern.ternary_matmul %x, %s, [%p], [%ws, %ws, %ws] {parts = array<i64: 64, 32, 32>} : tensor<?x64xi8>, tensor<?xf32>, [!tern.ternary<128x64, #tern.layout<block = 16>>] -> tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>
  %d = tern.get_global @"model.layers.0.mlp.down_proj.weight" : tensor<64x128xi8>
  %down = tern.ternary_matmul %x2, %s, [%d], [%ws] residual %h : tensor<?x128xi8>, tensor<?xf32>, [tensor<64x128xi8>], tensor<?x64xf32> -> tensor<?x64xf32>
  %g:2 = tern.ternary_matmul %x, %s, [%w, %w], [%ws, %ws] {schedule = #tern.schedule<unroll = 2>} : tensor<?x64xi8>, tensor<?xf32>, [tensor<32x64xi8>, tensor<32x64xi8>] -> tensor<?x32xf32>, tensor<?x32xf32>
  %o = tern.ternary_matmul %x, %s, [%w], [%ws] : tensor<?x64xi8>, tensor<?xf32>, [tensor<32x64xi8>] -> tensor<?x32xf32>
  return %qkv#0, %qkv#1, %qkv#2, %down, %g#0, %g#1, %o : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>
}
