// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Multi-result ops name their results after the ODS results.
// CHECK-LABEL: func.func @dynamic_tokens
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>)
// CHECK: %[[Q:output]], %[[S:scale]] = tern.quantize %[[X]] : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
// CHECK: return %[[Q]], %[[S]] : tensor<?x64xi8>, tensor<?xf32>
// GENERIC-LABEL: sym_name = "dynamic_tokens"
// GENERIC: %{{.*}}:2 = "tern.quantize"(%{{.*}}) : (tensor<?x64xf32>) -> (tensor<?x64xi8>, tensor<?xf32>)
func.func @dynamic_tokens(%x: tensor<?x64xf32>) -> (tensor<?x64xi8>, tensor<?xf32>) {
  %q, %s = tern.quantize %x : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
  return %q, %s : tensor<?x64xi8>, tensor<?xf32>
}

// CHECK-LABEL: func.func @static_tokens
// CHECK: tern.quantize %{{.*}} : tensor<4x2560xf32> -> tensor<4x2560xi8>, tensor<4xf32>
func.func @static_tokens(%x: tensor<4x2560xf32>) -> (tensor<4x2560xi8>, tensor<4xf32>) {
  %q, %s = tern.quantize %x : tensor<4x2560xf32> -> tensor<4x2560xi8>, tensor<4xf32>
  return %q, %s : tensor<4x2560xi8>, tensor<4xf32>
}

// Dynamic and static dimensions may be mixed where they agree.
// CHECK-LABEL: func.func @mixed
// CHECK: tern.quantize %{{.*}} : tensor<4x?xf32> -> tensor<?x64xi8>, tensor<?xf32>
// CHECK: tern.quantize %{{.*}} : tensor<?x?xf32> -> tensor<4x64xi8>, tensor<4xf32>
func.func @mixed(%x: tensor<4x?xf32>, %y: tensor<?x?xf32>) -> (tensor<?x64xi8>, tensor<?xf32>, tensor<4x64xi8>, tensor<4xf32>) {
  %q, %s = tern.quantize %x : tensor<4x?xf32> -> tensor<?x64xi8>, tensor<?xf32>
  %q2, %s2 = tern.quantize %y : tensor<?x?xf32> -> tensor<4x64xi8>, tensor<4xf32>
  return %q, %s, %q2, %s2 : tensor<?x64xi8>, tensor<?xf32>, tensor<4x64xi8>, tensor<4xf32>
}
