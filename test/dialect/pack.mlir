// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// From plain int8 into each kind of layout.
// CHECK-LABEL: func.func @from_int8
// CHECK-SAME: (%[[W:.*]]: tensor<32x64xi8>)
// CHECK: %[[A:.*]] = tern.pack %[[W]] : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<>>
// CHECK: %[[B:.*]] = tern.pack %[[W]] : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>
// CHECK: %[[C:.*]] = tern.pack %[[W]] : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>>
// CHECK: %[[D:.*]] = tern.pack %[[W]] : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<bits = 8>>
// CHECK: return %[[A]], %[[B]], %[[C]], %[[D]]
// GENERIC-LABEL: sym_name = "from_int8"
// GENERIC: "tern.pack"(%{{.*}}) : (tensor<32x64xi8>) -> !tern.ternary<32x64, #tern.layout<>>
func.func @from_int8(%w: tensor<32x64xi8>) -> (!tern.ternary<32x64, #tern.layout<>>, !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>>, !tern.ternary<32x64, #tern.layout<bits = 8>>) {
  %a = tern.pack %w : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<>>
  %b = tern.pack %w : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>
  %c = tern.pack %w : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>>
  %d = tern.pack %w : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<bits = 8>>
  return %a, %b, %c, %d : !tern.ternary<32x64, #tern.layout<>>, !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>>, !tern.ternary<32x64, #tern.layout<bits = 8>>
}

// A dynamic int8 input agrees with the packed shape.
// CHECK-LABEL: func.func @from_dynamic_int8
// CHECK: tern.pack %{{.*}} : tensor<?x?xi8> -> !tern.ternary<32x64, #tern.layout<>>
// CHECK: tern.pack %{{.*}} : tensor<?x64xi8> -> !tern.ternary<32x64, #tern.layout<>>
func.func @from_dynamic_int8(%w: tensor<?x?xi8>, %v: tensor<?x64xi8>) -> (!tern.ternary<32x64, #tern.layout<>>, !tern.ternary<32x64, #tern.layout<>>) {
  %a = tern.pack %w : tensor<?x?xi8> -> !tern.ternary<32x64, #tern.layout<>>
  %b = tern.pack %v : tensor<?x64xi8> -> !tern.ternary<32x64, #tern.layout<>>
  return %a, %b : !tern.ternary<32x64, #tern.layout<>>, !tern.ternary<32x64, #tern.layout<>>
}

// Re-layout of a packed matrix (HF checkpoint layout -> a kernel's layout),
// and a pack to the same type (legal; canonicalize removes it).
// CHECK-LABEL: func.func @relayout
// CHECK-SAME: (%[[P:.*]]: !tern.ternary<2560x2560, #tern.layout<pack_dim = 0, block = 640>>)
// CHECK: %[[R:.*]] = tern.pack %[[P]] : !tern.ternary<2560x2560, #tern.layout<pack_dim = 0, block = 640>> -> !tern.ternary<2560x2560, #tern.layout<interleave = 8, chunk = 32>>
// CHECK: %[[S:.*]] = tern.pack %[[R]] : !tern.ternary<2560x2560, #tern.layout<interleave = 8, chunk = 32>> -> !tern.ternary<2560x2560, #tern.layout<interleave = 8, chunk = 32>>
// CHECK: return %[[S]]
// GENERIC-LABEL: sym_name = "relayout"
// GENERIC: "tern.pack"(%{{.*}}) : (!tern.ternary<2560x2560, #tern.layout<pack_dim = 0, block = 640>>) -> !tern.ternary<2560x2560, #tern.layout<interleave = 8, chunk = 32>>
func.func @relayout(%p: !tern.ternary<2560x2560, #tern.layout<pack_dim = 0, block = 640>>) -> !tern.ternary<2560x2560, #tern.layout<interleave = 8, chunk = 32>> {
  %r = tern.pack %p : !tern.ternary<2560x2560, #tern.layout<pack_dim = 0, block = 640>> -> !tern.ternary<2560x2560, #tern.layout<interleave = 8, chunk = 32>>
  %s = tern.pack %r : !tern.ternary<2560x2560, #tern.layout<interleave = 8, chunk = 32>> -> !tern.ternary<2560x2560, #tern.layout<interleave = 8, chunk = 32>>
  return %s : !tern.ternary<2560x2560, #tern.layout<interleave = 8, chunk = 32>>
}
