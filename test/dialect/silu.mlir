// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @dynamic_tokens
// CHECK-SAME: (%[[X:.*]]: tensor<?x192xf32>)
// CHECK: %[[Y:.*]] = tern.silu %[[X]] : tensor<?x192xf32>
// CHECK: return %[[Y]] : tensor<?x192xf32>
// GENERIC-LABEL: sym_name = "dynamic_tokens"
// GENERIC: "tern.silu"(%{{.*}}) : (tensor<?x192xf32>) -> tensor<?x192xf32>
func.func @dynamic_tokens(%x: tensor<?x192xf32>) -> tensor<?x192xf32> {
  %y = tern.silu %x : tensor<?x192xf32>
  return %y : tensor<?x192xf32>
}

// Any rank of f32 tensor, static or dynamic.
// CHECK-LABEL: func.func @ranks
// CHECK: tern.silu %{{.*}} : tensor<4x6912xf32>
// CHECK: tern.silu %{{.*}} : tensor<8xf32>
// CHECK: tern.silu %{{.*}} : tensor<2x?x16xf32>
// CHECK: tern.silu %{{.*}} : tensor<f32>
func.func @ranks(%a: tensor<4x6912xf32>, %b: tensor<8xf32>, %c: tensor<2x?x16xf32>, %d: tensor<f32>) -> (tensor<4x6912xf32>, tensor<8xf32>, tensor<2x?x16xf32>, tensor<f32>) {
  %ya = tern.silu %a : tensor<4x6912xf32>
  %yb = tern.silu %b : tensor<8xf32>
  %yc = tern.silu %c : tensor<2x?x16xf32>
  %yd = tern.silu %d : tensor<f32>
  return %ya, %yb, %yc, %yd : tensor<4x6912xf32>, tensor<8xf32>, tensor<2x?x16xf32>, tensor<f32>
}

// Chained.
// CHECK-LABEL: func.func @chain
// CHECK: %[[A:.*]] = tern.silu %{{.*}} : tensor<4xf32>
// CHECK: %[[B:.*]] = tern.silu %[[A]] : tensor<4xf32>
// CHECK: return %[[B]]
func.func @chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = tern.silu %x : tensor<4xf32>
  %b = tern.silu %a : tensor<4xf32>
  return %b : tensor<4xf32>
}
