// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s

// Knobs at 0 ("let the target choose") are elided; the others print in
// declaration order (tile_m, tile_n, unroll, threads, prefetch, gemv_tile_n,
// mma) whatever order they were written in.
// CHECK-LABEL: func.func private @standalone()
// CHECK-SAME: s0 = #tern.schedule<>
// CHECK-SAME: s1 = #tern.schedule<>
// CHECK-SAME: s2 = #tern.schedule<tile_m = 1, tile_n = 2, unroll = 4, threads = 6, prefetch = 7>
// CHECK-SAME: s3 = #tern.schedule<tile_n = 8, unroll = 4, threads = 2>
// CHECK-SAME: s6 = #tern.schedule<prefetch = 9223372036854775807>
// CHECK-SAME: s7 = #tern.schedule<prefetch = 16>
// CHECK-SAME: s8 = #tern.schedule<tile_n = 3, gemv_tile_n = 2>
// CHECK-SAME: s9 = #tern.schedule<tile_m = 4, threads = 128, mma = "wgmma">
// CHECK-SAME: s9b = #tern.schedule<mma = "dp4a">
// CHECK-SAME: s9c = #tern.schedule<>
// CHECK-SAME: s9d = #tern.schedule<tile_n = 3, layout = "i2x4">
// CHECK-SAME: s9e = #tern.schedule<layout = "tl2">
func.func private @standalone() attributes {
  s0 = #tern.schedule<>,
  s1 = #tern.schedule<tile_m = 0, tile_n = 0, unroll = 0, threads = 0, prefetch = 0>,
  s2 = #tern.schedule<prefetch = 7, threads = 6, unroll = 4, tile_n = 2, tile_m = 1>,
  s3 = #tern.schedule<tile_n = 8, unroll = 4, threads = 2>,
  s6 = #tern.schedule<prefetch = 9223372036854775807>,
  s7 = #tern.schedule<prefetch = 16>,
  s8 = #tern.schedule<gemv_tile_n = 2, tile_n = 3>,
  s9 = #tern.schedule<mma = "wgmma", threads = 128, tile_m = 4>,
  s9b = #tern.schedule<mma = "dp4a">,
  s9c = #tern.schedule<mma = "">,
  s9d = #tern.schedule<layout = "i2x4", tile_n = 3>,
  s9e = #tern.schedule<layout = "tl2">
}

// On a bitlinear, where it lives.
// CHECK-LABEL: func.func @on_bitlinear
// CHECK: tern.bitlinear {{.*}} {schedule = #tern.schedule<tile_m = 4, prefetch = 32>} :
func.func @on_bitlinear(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<32x64, #tern.layout<>>, %ws: f32) -> tensor<?x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws {schedule = #tern.schedule<prefetch = 32, tile_m = 4>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}
