// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Grouped-query attention (4 query heads over 2 KV heads), dynamic tokens.
// The custom form names the types of q, k and the cache only; v, the output
// and the updated caches take them.
// CHECK-LABEL: func.func @gqa
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<?x64xf32>, %[[K:[^:]*]]: tensor<?x32xf32>, %[[V:[^:]*]]: tensor<?x32xf32>, %[[KC:[^:]*]]: tensor<256x32xf32>, %[[VC:[^:]*]]: tensor<256x32xf32>, %[[START:[^:]*]]: index)
// The results are named after the op's results.
// CHECK: %[[O:output]], %[[KC2:k_cache_out]], %[[VC2:v_cache_out]] = tern.attention %[[Q]], %[[K]], %[[V]], %[[KC]], %[[VC]], %[[START]] {head_dim = 16 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<256x32xf32>
// CHECK: return %[[O]], %[[KC2]], %[[VC2]] : tensor<?x64xf32>, tensor<256x32xf32>, tensor<256x32xf32>
// GENERIC-LABEL: sym_name = "gqa"
// GENERIC: %{{.*}}:3 = "tern.attention"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{head_dim = 16 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64}> : (tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<256x32xf32>, tensor<256x32xf32>, index) -> (tensor<?x64xf32>, tensor<256x32xf32>, tensor<256x32xf32>)
func.func @gqa(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %v: tensor<?x32xf32>, %kc: tensor<256x32xf32>, %vc: tensor<256x32xf32>, %start: index) -> (tensor<?x64xf32>, tensor<256x32xf32>, tensor<256x32xf32>) {
  %o, %kc2, %vc2 = tern.attention %q, %k, %v, %kc, %vc, %start {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<256x32xf32>
  return %o, %kc2, %vc2 : tensor<?x64xf32>, tensor<256x32xf32>, tensor<256x32xf32>
}

// Multi-head attention (num_kv_heads = num_heads), static tokens filling
// the whole cache exactly.
// CHECK-LABEL: func.func @mha_full_cache
// CHECK: tern.attention %{{.*}} {head_dim = 8 : i64, num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>
func.func @mha_full_cache(%q: tensor<16x16xf32>, %kc: tensor<16x16xf32>, %start: index) -> tensor<16x16xf32> {
  %o:3 = tern.attention %q, %q, %q, %kc, %kc, %start {num_heads = 2 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64} : tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>
  return %o#0 : tensor<16x16xf32>
}

// BitNet-2B sizes (20 heads, 5 KV heads, head_dim 128), a dynamic cache and
// a single-token decode step.
// CHECK-LABEL: func.func @decode_dynamic_cache
// CHECK: tern.attention %{{.*}} {head_dim = 128 : i64, num_heads = 20 : i64, num_kv_heads = 5 : i64} : tensor<1x2560xf32>, tensor<1x640xf32>, tensor<?x640xf32>
func.func @decode_dynamic_cache(%q: tensor<1x2560xf32>, %k: tensor<1x640xf32>, %kc: tensor<?x640xf32>, %start: index) -> (tensor<1x2560xf32>, tensor<?x640xf32>) {
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %start {num_heads = 20 : i64, num_kv_heads = 5 : i64, head_dim = 128 : i64} : tensor<1x2560xf32>, tensor<1x640xf32>, tensor<?x640xf32>
  return %o#0, %o#1 : tensor<1x2560xf32>, tensor<?x640xf32>
}
