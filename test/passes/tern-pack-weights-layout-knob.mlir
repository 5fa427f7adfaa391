// RUN: tern-opt %s --tern-pack-weights | FileCheck %s
// RUN: tern-opt %s '--tern-pack-weights=interleave=4' | FileCheck %s --check-prefix=R4
// RUN: tern-opt %s '--tern-pack-weights=vector-bytes=16' | FileCheck %s --check-prefix=NEON
// RUN: not tern-opt %s '--tern-pack-weights=block=8' 2>&1 | FileCheck %s --check-prefix=ERR-B8
// ERR-B8: error: tern-pack-weights: weight @wa: the lookup-table layout tl2 needs block = 16, 32 or 64, got 8

// An op's schedule `layout` knob (tern-attach-schedule put it there) wins
// over the options: tl2 for one op, 4 interleaved rows for the other (its
// block from the options); the same weights in two layouts get two packed
// globals, whatever the options say (their block and vector width aside).
// CHECK-LABEL: module
// CHECK-NEXT: tern.global @wa.packed : !tern.ternary<64x256, #tern.layout<block = 64, lut = 3>> from "model.tpack" offset 0 {sources = [@wa]}
// CHECK-NEXT: tern.global @wa.packed_1 : !tern.ternary<64x256, #tern.layout<block = 64, interleave = 4, chunk = 64>> from "model.tpack" offset 3520 {sources = [@wa]}
// CHECK-LABEL: func.func @knobs
// CHECK: tern.ternary_matmul {{.*}} {parts = array<i64: 64>, schedule = #tern.schedule<layout = "tl2">}
// CHECK: tern.ternary_matmul {{.*}} {parts = array<i64: 64>, schedule = #tern.schedule<tile_n = 3, layout = "i2x4">}
// R4: tern.global @wa.packed : !tern.ternary<64x256, #tern.layout<block = 64, lut = 3>>
// R4-NEXT: tern.global @wa.packed_1 : !tern.ternary<64x256, #tern.layout<block = 64, interleave = 4, chunk = 64>>
// NEON: tern.global @wa.packed : !tern.ternary<64x256, #tern.layout<block = 16, lut = 3>>
// NEON-NEXT: tern.global @wa.packed_1 : !tern.ternary<64x256, #tern.layout<block = 16, interleave = 4, chunk = 16>>
module {
  tern.global @wa : tensor<64x256xi8> from "m.gguf" offset 0 encoding "absmean.bf16"
  func.func @knobs(%x: tensor<?x256xi8>, %s: tensor<?xf32>, %sq: f32) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
    %w = tern.get_global @wa : tensor<64x256xi8>
    %a = tern.ternary_matmul %x, %s, [%w], [%sq] {schedule = #tern.schedule<layout = "tl2">} : tensor<?x256xi8>, tensor<?xf32>, [tensor<64x256xi8>] -> tensor<?x64xf32>
    %b = tern.ternary_matmul %x, %s, [%w], [%sq] {schedule = #tern.schedule<layout = "i2x4", tile_n = 3>} : tensor<?x256xi8>, tensor<?xf32>, [tensor<64x256xi8>] -> tensor<?x64xf32>
    return %a, %b : tensor<?x64xf32>, tensor<?x64xf32>
  }
}
