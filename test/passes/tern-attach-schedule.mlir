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
// RUN: not tern-opt %s '--tern-attach-schedule=schedule=#tern.schedule<vector_width=3>' 2>&1 | FileCheck %s --check-prefix=ERR-VERIFY
// RUN: not tern-opt %s '--tern-attach-schedule=schedule=#tern.schedule<tile_m=-1>' 2>&1 | FileCheck %s --check-prefix=ERR-NEG
// RUN: not tern-opt %s '--tern-attach-schedule=schedule=tile_n=8' 2>&1 | FileCheck %s --check-prefix=ERR-SYNTAX
// RUN: not tern-opt %s '--tern-attach-schedule=override=maybe' 2>&1 | FileCheck %s --check-prefix=ERR-BOOL

// ERR-KIND: error: tern-attach-schedule: option schedule="#tern.layout<>" is not a #tern.schedule<...> attribute
// ERR-VERIFY: error: schedule vector_width must be a power of two (bytes), got 3
// ERR-VERIFY: error: tern-attach-schedule: option schedule="#tern.schedule<vector_width=3>" is not a #tern.schedule<...> attribute
// ERR-NEG: error: schedule knob tile_m must be >= 0 (0 lets the target choose), got -1
// ERR-NEG: error: tern-attach-schedule: option schedule="#tern.schedule<tile_m=-1>" is not a #tern.schedule<...> attribute
// ERR-SYNTAX: error: tern-attach-schedule: option schedule="tile_n=8" is not a #tern.schedule<...> attribute
// ERR-BOOL: 'maybe' is invalid value for boolean argument

// DEFAULT-LABEL: func.func @layer
// DEFAULT: tern.bitlinear {{.*}} {schedule = #tern.schedule<>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
// DEFAULT: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_k = 64, unroll = 2>} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
// DEFAULT: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<>} : tensor<?x32xi8>, tensor<?xf32>, !tern.ternary<64x32, #tern.layout<pack_dim = 0, block = 16>>, f32 -> tensor<?x64xf32>

// KEEP-LABEL: func.func @layer
// KEEP: tern.bitlinear {{.*}} {schedule = #tern.schedule<tile_n = 8, threads = 2>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
// KEEP: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_k = 64, unroll = 2>} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
// KEEP: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 8, threads = 2>} : tensor<?x32xi8>, tensor<?xf32>, !tern.ternary<64x32, #tern.layout<pack_dim = 0, block = 16>>, f32 -> tensor<?x64xf32>

// OVERRIDE-LABEL: func.func @layer
// OVERRIDE: tern.bitlinear {{.*}} {schedule = #tern.schedule<tile_n = 8, threads = 2>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
// OVERRIDE: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 8, threads = 2>} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
// OVERRIDE: tern.bitlinear {{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 8, threads = 2>} : tensor<?x32xi8>, tensor<?xf32>, !tern.ternary<64x32, #tern.layout<pack_dim = 0, block = 16>>, f32 -> tensor<?x64xf32>
func.func @layer(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<32x64, #tern.layout<>>, %w8: tensor<32x64xi8>, %w2: !tern.ternary<64x32, #tern.layout<pack_dim = 0, block = 16>>, %ws: f32) -> tensor<?x64xf32> {
  %a = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
  %b = tern.bitlinear %q, %s, %w8, %ws {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_k = 64, unroll = 2>} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
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
