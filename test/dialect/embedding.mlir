// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @bf16_table_dynamic_tokens
// CHECK-SAME: (%[[T:.*]]: tensor<512x64xbf16>, %[[IDS:.*]]: tensor<?xi32>)
// CHECK: %[[H:.*]] = tern.embedding %[[T]], %[[IDS]] : tensor<512x64xbf16>, tensor<?xi32> -> tensor<?x64xf32>
// CHECK: return %[[H]]
// GENERIC-LABEL: sym_name = "bf16_table_dynamic_tokens"
// GENERIC: "tern.embedding"(%{{.*}}, %{{.*}}) : (tensor<512x64xbf16>, tensor<?xi32>) -> tensor<?x64xf32>
func.func @bf16_table_dynamic_tokens(%t: tensor<512x64xbf16>, %ids: tensor<?xi32>) -> tensor<?x64xf32> {
  %h = tern.embedding %t, %ids : tensor<512x64xbf16>, tensor<?xi32> -> tensor<?x64xf32>
  return %h : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @f32_table_i64_ids
// CHECK: tern.embedding %{{.*}}, %{{.*}} : tensor<512x64xf32>, tensor<7xi64> -> tensor<7x64xf32>
func.func @f32_table_i64_ids(%t: tensor<512x64xf32>, %ids: tensor<7xi64>) -> tensor<7x64xf32> {
  %h = tern.embedding %t, %ids : tensor<512x64xf32>, tensor<7xi64> -> tensor<7x64xf32>
  return %h : tensor<7x64xf32>
}

// CHECK-LABEL: func.func @f16_table
// CHECK: tern.embedding %{{.*}}, %{{.*}} : tensor<100x8xf16>, tensor<1xi32> -> tensor<1x8xf32>
func.func @f16_table(%t: tensor<100x8xf16>, %ids: tensor<1xi32>) -> tensor<1x8xf32> {
  %h = tern.embedding %t, %ids : tensor<100x8xf16>, tensor<1xi32> -> tensor<1x8xf32>
  return %h : tensor<1x8xf32>
}

// Dynamic dimensions agree with anything: static ids, dynamic result rows;
// dynamic table; fully dynamic result.
// CHECK-LABEL: func.func @dynamic_mix
// CHECK: tern.embedding %{{.*}}, %{{.*}} : tensor<512x64xbf16>, tensor<4xi32> -> tensor<?x64xf32>
// CHECK: tern.embedding %{{.*}}, %{{.*}} : tensor<?x?xbf16>, tensor<?xi32> -> tensor<?x64xf32>
// CHECK: tern.embedding %{{.*}}, %{{.*}} : tensor<512x64xbf16>, tensor<?xi32> -> tensor<?x?xf32>
func.func @dynamic_mix(%t: tensor<512x64xbf16>, %td: tensor<?x?xbf16>, %ids4: tensor<4xi32>, %ids: tensor<?xi32>) -> (tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x?xf32>) {
  %a = tern.embedding %t, %ids4 : tensor<512x64xbf16>, tensor<4xi32> -> tensor<?x64xf32>
  %b = tern.embedding %td, %ids : tensor<?x?xbf16>, tensor<?xi32> -> tensor<?x64xf32>
  %c = tern.embedding %t, %ids : tensor<512x64xbf16>, tensor<?xi32> -> tensor<?x?xf32>
  return %a, %b, %c : tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x?xf32>
}
