// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @dynamic_tokens
// CHECK-SAME: (%[[Q:.*]]: tensor<?x64xf32>, %[[P:.*]]: tensor<?xi32>)
// CHECK: %[[R:.*]] = tern.rope %[[Q]], %[[P]] {head_dim = 16 : i64, theta = 5.000000e+05 : f32} : tensor<?x64xf32>, tensor<?xi32>
// CHECK: return %[[R]] : tensor<?x64xf32>
// GENERIC-LABEL: sym_name = "dynamic_tokens"
// GENERIC: "tern.rope"(%{{.*}}, %{{.*}}) <{head_dim = 16 : i64, theta = 5.000000e+05 : f32}> : (tensor<?x64xf32>, tensor<?xi32>) -> tensor<?x64xf32>
func.func @dynamic_tokens(%q: tensor<?x64xf32>, %pos: tensor<?xi32>) -> tensor<?x64xf32> {
  %r = tern.rope %q, %pos {head_dim = 16 : i64, theta = 5.0e+05 : f32} : tensor<?x64xf32>, tensor<?xi32>
  return %r : tensor<?x64xf32>
}

// Static tokens, i64 positions, BitNet-2B sizes (20 heads of 128, theta 5e5).
// CHECK-LABEL: func.func @bitnet_2b
// CHECK: tern.rope %{{.*}}, %{{.*}} {head_dim = 128 : i64, theta = 5.000000e+05 : f32} : tensor<4x2560xf32>, tensor<4xi64>
func.func @bitnet_2b(%q: tensor<4x2560xf32>, %pos: tensor<4xi64>) -> tensor<4x2560xf32> {
  %r = tern.rope %q, %pos {head_dim = 128 : i64, theta = 5.0e+05 : f32} : tensor<4x2560xf32>, tensor<4xi64>
  return %r : tensor<4x2560xf32>
}

// The smallest head (one rotated pair), a dynamic row width, mixed static
// and dynamic token counts, another theta.
// CHECK-LABEL: func.func @edges
// CHECK: tern.rope %{{.*}}, %{{.*}} {head_dim = 2 : i64, theta = 1.000000e+04 : f32} : tensor<3x6xf32>, tensor<?xi32>
// CHECK: tern.rope %{{.*}}, %{{.*}} {head_dim = 16 : i64, theta = 1.000000e+04 : f32} : tensor<?x?xf32>, tensor<3xi32>
func.func @edges(%a: tensor<3x6xf32>, %b: tensor<?x?xf32>, %p: tensor<?xi32>, %p3: tensor<3xi32>) -> (tensor<3x6xf32>, tensor<?x?xf32>) {
  %ra = tern.rope %a, %p {head_dim = 2 : i64, theta = 1.0e+04 : f32} : tensor<3x6xf32>, tensor<?xi32>
  %rb = tern.rope %b, %p3 {theta = 1.0e+04 : f32, head_dim = 16 : i64} : tensor<?x?xf32>, tensor<3xi32>
  return %ra, %rb : tensor<3x6xf32>, tensor<?x?xf32>
}
