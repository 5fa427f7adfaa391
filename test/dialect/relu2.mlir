// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @dynamic_tokens
// CHECK-SAME: (%[[X:.*]]: tensor<?x192xf32>)
// CHECK: %[[Y:.*]] = tern.relu2 %[[X]] : tensor<?x192xf32>
// CHECK: return %[[Y]] : tensor<?x192xf32>
// GENERIC-LABEL: sym_name = "dynamic_tokens"
// GENERIC: "tern.relu2"(%{{.*}}) : (tensor<?x192xf32>) -> tensor<?x192xf32>
func.func @dynamic_tokens(%x: tensor<?x192xf32>) -> tensor<?x192xf32> {
  %y = tern.relu2 %x : tensor<?x192xf32>
  return %y : tensor<?x192xf32>
}

// Any rank of f32 tensor, static or dynamic.
// CHECK-LABEL: func.func @ranks
// CHECK: tern.relu2 %{{.*}} : tensor<4x6912xf32>
// CHECK: tern.relu2 %{{.*}} : tensor<8xf32>
// CHECK: tern.relu2 %{{.*}} : tensor<2x?x16xf32>
// CHECK: tern.relu2 %{{.*}} : tensor<f32>
func.func @ranks(%a: tensor<4x6912xf32>, %b: tensor<8xf32>, %c: tensor<2x?x16xf32>, %d: tensor<f32>) -> (tensor<4x6912xf32>, tensor<8xf32>, tensor<2x?x16xf32>, tensor<f32>) {
  %ya = tern.relu2 %a : tensor<4x6912xf32>
  %yb = tern.relu2 %b : tensor<8xf32>
  %yc = tern.relu2 %c : tensor<2x?x16xf32>
  %yd = tern.relu2 %d : tensor<f32>
  return %ya, %yb, %yc, %yd : tensor<4x6912xf32>, tensor<8xf32>, tensor<2x?x16xf32>, tensor<f32>
}

// Chained.
// CHECK-LABEL: func.func @chain
// CHECK: %[[A:.*]] = tern.relu2 %{{.*}} : tensor<4xf32>
// CHECK: %[[B:.*]] = tern.relu2 %[[A]] : tensor<4xf32>
// CHECK: return %[[B]]
func.func @chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = tern.relu2 %x : tensor<4xf32>
  %b = tern.relu2 %a : tensor<4xf32>
  return %b : tensor<4xf32>
}
