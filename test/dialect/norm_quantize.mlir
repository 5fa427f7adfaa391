// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s

// Every form of the kernel op round-trips: norm, gated norm (relu2, the
// default, and silu), gated without a norm, and quantize alone.
// CHECK-LABEL: func.func @forms
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[U:.*]]: tensor<?x64xf32>, %[[W:.*]]: tensor<64xbf16>)
// CHECK: tern.norm_quantize %[[X]], %[[W]] {epsilon = 9.99999997E-7 : f32} : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xi8>, tensor<?xf32>
// CHECK: tern.norm_quantize %[[X]] gated_by %[[U]], %[[W]] : tensor<?x64xf32> gated_by tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xi8>, tensor<?xf32>
// CHECK: tern.norm_quantize %[[X]] gated_by %[[U]], %[[W]] {activation = #tern.activation<silu>} : tensor<?x64xf32> gated_by tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xi8>, tensor<?xf32>
// CHECK: tern.norm_quantize %[[X]] gated_by %[[U]] {activation = #tern.activation<silu>} : tensor<?x64xf32> gated_by tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
// CHECK: tern.norm_quantize %[[X]] : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
func.func @forms(%x: tensor<?x64xf32>, %u: tensor<?x64xf32>, %w: tensor<64xbf16>) {
  %q0, %s0 = tern.norm_quantize %x, %w {epsilon = 1.0e-06 : f32} : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xi8>, tensor<?xf32>
  %q1, %s1 = tern.norm_quantize %x gated_by %u, %w : tensor<?x64xf32> gated_by tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xi8>, tensor<?xf32>
  %q2, %s2 = tern.norm_quantize %x gated_by %u, %w {activation = #tern.activation<silu>} : tensor<?x64xf32> gated_by tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xi8>, tensor<?xf32>
  %q3, %s3 = tern.norm_quantize %x gated_by %u {activation = #tern.activation<silu>} : tensor<?x64xf32> gated_by tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
  %q4, %s4 = tern.norm_quantize %x : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
  return
}
