// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// The LM head over a tied bf16 embedding table.
// CHECK-LABEL: func.func @lm_head_bf16
// CHECK-SAME: (%[[H:.*]]: tensor<?x64xf32>, %[[E:.*]]: tensor<512x64xbf16>)
// CHECK: %[[L:.*]] = tern.matmul %[[H]], %[[E]] : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
// CHECK: return %[[L]] : tensor<?x512xf32>
// GENERIC-LABEL: sym_name = "lm_head_bf16"
// GENERIC: "tern.matmul"(%{{.*}}, %{{.*}}) : (tensor<?x64xf32>, tensor<512x64xbf16>) -> tensor<?x512xf32>
func.func @lm_head_bf16(%h: tensor<?x64xf32>, %emb: tensor<512x64xbf16>) -> tensor<?x512xf32> {
  %logits = tern.matmul %h, %emb : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
  return %logits : tensor<?x512xf32>
}

// f32 and f16 weights, static tokens.
// CHECK-LABEL: func.func @weight_types
// CHECK: tern.matmul %{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<512x64xf32> -> tensor<4x512xf32>
// CHECK: tern.matmul %{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<100x64xf16> -> tensor<4x100xf32>
func.func @weight_types(%h: tensor<4x64xf32>, %w32: tensor<512x64xf32>, %w16: tensor<100x64xf16>) -> (tensor<4x512xf32>, tensor<4x100xf32>) {
  %a = tern.matmul %h, %w32 : tensor<4x64xf32>, tensor<512x64xf32> -> tensor<4x512xf32>
  %b = tern.matmul %h, %w16 : tensor<4x64xf32>, tensor<100x64xf16> -> tensor<4x100xf32>
  return %a, %b : tensor<4x512xf32>, tensor<4x100xf32>
}

// Dynamic dimensions agree with static ones.
// CHECK-LABEL: func.func @dynamic
// CHECK: tern.matmul %{{.*}}, %{{.*}} : tensor<?x?xf32>, tensor<?x?xbf16> -> tensor<?x?xf32>
// CHECK: tern.matmul %{{.*}}, %{{.*}} : tensor<?x?xf32>, tensor<512x64xbf16> -> tensor<4x512xf32>
func.func @dynamic(%h: tensor<?x?xf32>, %w: tensor<?x?xbf16>, %e: tensor<512x64xbf16>) -> (tensor<?x?xf32>, tensor<4x512xf32>) {
  %a = tern.matmul %h, %w : tensor<?x?xf32>, tensor<?x?xbf16> -> tensor<?x?xf32>
  %b = tern.matmul %h, %e : tensor<?x?xf32>, tensor<512x64xbf16> -> tensor<4x512xf32>
  return %a, %b : tensor<?x?xf32>, tensor<4x512xf32>
}
