// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Packed weight, dynamic tokens, default scale_mode (multiply: elided in the
// custom form, present in the generic form), no schedule.
// CHECK-LABEL: func.func @packed_default
// CHECK-SAME: (%[[Q:.*]]: tensor<?x64xi8>, %[[S:.*]]: tensor<?xf32>, %[[W:.*]]: !tern.ternary<32x64, #tern.layout<>>, %[[WS:.*]]: f32)
// CHECK: %[[Y:.*]] = tern.bitlinear %[[Q]], %[[S]], %[[W]], %[[WS]] : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
// CHECK-NOT: scale_mode
// CHECK-NOT: schedule
// CHECK: return %[[Y]] : tensor<?x32xf32>
// GENERIC-LABEL: sym_name = "packed_default"
// GENERIC: "tern.bitlinear"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{scale_mode = #tern.scale_mode<multiply>}> : (tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32) -> tensor<?x32xf32>
func.func @packed_default(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<32x64, #tern.layout<>>, %ws: f32) -> tensor<?x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// An explicit multiply is the default and is elided too.
// CHECK-LABEL: func.func @explicit_multiply
// CHECK: tern.bitlinear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x64xi8>, tensor<4xf32>, !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, f32 -> tensor<4x32xf32>
// CHECK-NEXT: return
func.func @explicit_multiply(%q: tensor<4x64xi8>, %s: tensor<4xf32>, %w: !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, %ws: f32) -> tensor<4x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws {scale_mode = #tern.scale_mode<multiply>} : tensor<4x64xi8>, tensor<4xf32>, !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, f32 -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// CHECK-LABEL: func.func @divide
// CHECK: tern.bitlinear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {scale_mode = #tern.scale_mode<divide>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, f32 -> tensor<?x32xf32>
// GENERIC-LABEL: sym_name = "divide"
// GENERIC: "tern.bitlinear"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{scale_mode = #tern.scale_mode<divide>}>
func.func @divide(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, %ws: f32) -> tensor<?x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws {scale_mode = #tern.scale_mode<divide>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, f32 -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// CHECK-LABEL: func.func @with_schedule
// CHECK: tern.bitlinear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {schedule = #tern.schedule<tile_n = 8, unroll = 4, threads = 2>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>>, f32 -> tensor<?x32xf32>
// GENERIC-LABEL: sym_name = "with_schedule"
// GENERIC: "tern.bitlinear"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{scale_mode = #tern.scale_mode<multiply>, schedule = #tern.schedule<tile_n = 8, unroll = 4, threads = 2>}>
func.func @with_schedule(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>>, %ws: f32) -> tensor<?x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws {schedule = #tern.schedule<tile_n = 8, unroll = 4, threads = 2>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>>, f32 -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// Both attributes at once; they print in name order.
// CHECK-LABEL: func.func @divide_with_schedule
// CHECK: tern.bitlinear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_m = 1, threads = 32, prefetch = 2>} : tensor<1x64xi8>, tensor<1xf32>, !tern.ternary<32x64, #tern.layout<bits = 8>>, f32 -> tensor<1x32xf32>
func.func @divide_with_schedule(%q: tensor<1x64xi8>, %s: tensor<1xf32>, %w: !tern.ternary<32x64, #tern.layout<bits = 8>>, %ws: f32) -> tensor<1x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws {schedule = #tern.schedule<prefetch = 2, tile_m = 1, threads = 32>, scale_mode = #tern.scale_mode<divide>} : tensor<1x64xi8>, tensor<1xf32>, !tern.ternary<32x64, #tern.layout<bits = 8>>, f32 -> tensor<1x32xf32>
  return %y : tensor<1x32xf32>
}

// Plain int8 weight (values -1, 0, 1), static and dynamic.
// CHECK-LABEL: func.func @plain_int8_weight
// CHECK: tern.bitlinear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
// CHECK: tern.bitlinear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {scale_mode = #tern.scale_mode<divide>} : tensor<4x64xi8>, tensor<4xf32>, tensor<32x64xi8>, f32 -> tensor<4x32xf32>
// CHECK: tern.bitlinear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x?xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x?xf32>
func.func @plain_int8_weight(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %q4: tensor<4x64xi8>, %s4: tensor<4xf32>, %qd: tensor<?x?xi8>, %w: tensor<32x64xi8>, %ws: f32) -> (tensor<?x32xf32>, tensor<4x32xf32>, tensor<?x?xf32>) {
  %a = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  %b = tern.bitlinear %q4, %s4, %w, %ws {scale_mode = #tern.scale_mode<divide>} : tensor<4x64xi8>, tensor<4xf32>, tensor<32x64xi8>, f32 -> tensor<4x32xf32>
  %c = tern.bitlinear %qd, %s, %w, %ws : tensor<?x?xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x?xf32>
  return %a, %b, %c : tensor<?x32xf32>, tensor<4x32xf32>, tensor<?x?xf32>
}

// The HF checkpoint layout on a BitNet-2B-sized matrix, weight from a global.
tern.global @"model.layers.0.mlp.down_proj.weight" : !tern.ternary<2560x6912, #tern.layout<pack_dim = 0, block = 640>> from "model.safetensors" offset 0
// CHECK-LABEL: func.func @hf_layout
// CHECK: %[[W:.*]] = tern.get_global @model.layers.0.mlp.down_proj.weight
// CHECK: tern.bitlinear %{{.*}}, %{{.*}}, %[[W]], %{{.*}} : tensor<?x6912xi8>, tensor<?xf32>, !tern.ternary<2560x6912, #tern.layout<pack_dim = 0, block = 640>>, f32 -> tensor<?x2560xf32>
func.func @hf_layout(%q: tensor<?x6912xi8>, %s: tensor<?xf32>, %ws: f32) -> tensor<?x2560xf32> {
  %w = tern.get_global @"model.layers.0.mlp.down_proj.weight" : !tern.ternary<2560x6912, #tern.layout<pack_dim = 0, block = 640>>
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x6912xi8>, tensor<?xf32>, !tern.ternary<2560x6912, #tern.layout<pack_dim = 0, block = 640>>, f32 -> tensor<?x2560xf32>
  return %y : tensor<?x2560xf32>
}
