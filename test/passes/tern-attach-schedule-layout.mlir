// The weight layout as a schedule knob (CPU targets): the default is
// i2lane on x86; a tuning record names its layout ("layout", by name or as a
// #tern.layout) and sets the knob; an op already packed, or the layout
// option (tern-compile --layout / --interleave), pins it, and a record of
// another layout does not apply. Inputs/schedules-layout-tuned.json holds a
// tl2 record (tile_n = 2), an i2x2 one (tile_n = 4, its layout written as a
// #tern.layout) and, last, one of any layout choosing i2x4 (tile_n = 6).
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni tuned-file=%S/Inputs/schedules-layout-tuned.json' | FileCheck %s --check-prefix=FREE
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni tuned-file=%S/Inputs/schedules-layout-tuned.json layout=tl2' | FileCheck %s --check-prefix=TL2
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni tuned-file=%S/Inputs/schedules-layout-tuned.json layout=i2x2' | FileCheck %s --check-prefix=I2X2
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni tuned-file=%S/Inputs/schedules-layout-tuned.json layout=i2x8' | FileCheck %s --check-prefix=I2X8
// Then packed in that layout.
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni tuned-file=%S/Inputs/schedules-layout-tuned.json' --tern-pack-weights | FileCheck %s --check-prefix=PACKED

// The unpacked op follows the records; the packed one (i2x1) keeps its
// layout, and no record of another layout applies to it.
// FREE: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<tile_n = 6, layout = "i2x4">}
// FREE: tern.ternary_matmul {{.*}} {parts = array<i64: 64>, schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2x1">}
// TL2: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<tile_n = 2, layout = "tl2">}
// TL2: tern.ternary_matmul {{.*}} {parts = array<i64: 64>, schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2x1">}
// I2X2: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<tile_n = 4, layout = "i2x2">}
// I2X8: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2x8">}
// PACKED: tern.global @wa.packed : !tern.ternary<64x256, #tern.layout<block = 64, interleave = 4, chunk = 64>>
// PACKED: tern.ternary_matmul {{.*}} {parts = array<i64: 64>, schedule = #tern.schedule<tile_n = 6, layout = "i2x4">}

// A user's record cannot repack weights that are packed already, and must
// lie in the space; the option must be a layout.
// RUN: not tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni schedule-file=%S/Inputs/schedules-layout-conflict.json' 2>&1 | FileCheck %s --check-prefix=ERR-PACKED
// ERR-PACKED: error: tern-attach-schedule: schedule file '{{.*}}schedules-layout-conflict.json': record 0 says layout = "tl2" but the weights are already packed as "i2x1" (attach schedules before tern-pack-weights)
// RUN: not tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni schedule-file=%S/Inputs/schedules-layout-out-of-space.json' 2>&1 | FileCheck %s --check-prefix=ERR-SPACE
// ERR-SPACE: error: tern-attach-schedule: schedule file '{{.*}}schedules-layout-out-of-space.json': record 0: layout = "i2x3" is not in the space of ternary_matmul on x86-avx512-vnni (allowed: "i2x1", "i2x2", "i2x4", "i2x8", "i2lane", "tl1", "tl2")
// RUN: not tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni layout=i2' 2>&1 | FileCheck %s --check-prefix=ERR-OPTION
// ERR-OPTION: error: tern-attach-schedule: option layout="i2" is not a layout (i2xR, i2lane, tl1 or tl2)

tern.global @wa : tensor<64x256xi8> from "m.gguf" offset 0 encoding "absmean.bf16"
tern.global @wp.packed : !tern.ternary<64x256, #tern.layout<block = 64>> from "model.tpack" offset 0 {sources = [@wp]}
func.func @kernels(%x: tensor<?x256xi8>, %s: tensor<?xf32>, %ws: f32) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %w = tern.get_global @wa : tensor<64x256xi8>
  %a = tern.ternary_matmul %x, %s, [%w], [%ws] : tensor<?x256xi8>, tensor<?xf32>, [tensor<64x256xi8>] -> tensor<?x64xf32>
  %p = tern.get_global @wp.packed : !tern.ternary<64x256, #tern.layout<block = 64>>
  %b = tern.ternary_matmul %x, %s, [%p], [%ws] {parts = array<i64: 64>} : tensor<?x256xi8>, tensor<?xf32>, [!tern.ternary<64x256, #tern.layout<block = 64>>] -> tensor<?x64xf32>
  return %a, %b : tensor<?x64xf32>, tensor<?x64xf32>
}
