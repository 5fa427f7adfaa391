// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// tern.mul: the FFN gate times up product. Operand order is kept.
// CHECK-LABEL: func.func @dynamic_tokens
// CHECK-SAME: (%[[A:.*]]: tensor<?x192xf32>, %[[B:.*]]: tensor<?x192xf32>)
// CHECK: %[[Y:.*]] = tern.mul %[[A]], %[[B]] : tensor<?x192xf32>
// CHECK: %[[Z:.*]] = tern.mul %[[B]], %[[Y]] : tensor<?x192xf32>
// CHECK: return %[[Z]] : tensor<?x192xf32>
// GENERIC-LABEL: sym_name = "dynamic_tokens"
// GENERIC: "tern.mul"(%{{.*}}, %{{.*}}) : (tensor<?x192xf32>, tensor<?x192xf32>) -> tensor<?x192xf32>
func.func @dynamic_tokens(%a: tensor<?x192xf32>, %b: tensor<?x192xf32>) -> tensor<?x192xf32> {
  %y = tern.mul %a, %b : tensor<?x192xf32>
  %z = tern.mul %b, %y : tensor<?x192xf32>
  return %z : tensor<?x192xf32>
}

// The same value on both sides; other ranks and static shapes.
// CHECK-LABEL: func.func @ranks
// CHECK: tern.mul %[[S:.*]], %[[S]] : tensor<4x64xf32>
// CHECK: tern.mul %{{.*}}, %{{.*}} : tensor<64xf32>
// CHECK: tern.mul %{{.*}}, %{{.*}} : tensor<?x?x8xf32>
// CHECK: tern.mul %{{.*}}, %{{.*}} : tensor<f32>
func.func @ranks(%s: tensor<4x64xf32>, %v: tensor<64xf32>, %t: tensor<?x?x8xf32>, %z: tensor<f32>) -> (tensor<4x64xf32>, tensor<64xf32>, tensor<?x?x8xf32>, tensor<f32>) {
  %a = tern.mul %s, %s : tensor<4x64xf32>
  %b = tern.mul %v, %v : tensor<64xf32>
  %c = tern.mul %t, %t : tensor<?x?x8xf32>
  %d = tern.mul %z, %z : tensor<f32>
  return %a, %b, %c, %d : tensor<4x64xf32>, tensor<64xf32>, tensor<?x?x8xf32>, tensor<f32>
}
