// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @default_layout
// CHECK-SAME: (%[[P:.*]]: !tern.ternary<32x64, #tern.layout<>>)
// CHECK: %[[W:.*]] = tern.unpack %[[P]] : !tern.ternary<32x64, #tern.layout<>> -> tensor<32x64xi8>
// CHECK: return %[[W]] : tensor<32x64xi8>
// GENERIC-LABEL: sym_name = "default_layout"
// GENERIC: "tern.unpack"(%{{.*}}) : (!tern.ternary<32x64, #tern.layout<>>) -> tensor<32x64xi8>
func.func @default_layout(%p: !tern.ternary<32x64, #tern.layout<>>) -> tensor<32x64xi8> {
  %w = tern.unpack %p : !tern.ternary<32x64, #tern.layout<>> -> tensor<32x64xi8>
  return %w : tensor<32x64xi8>
}

// Each layout kind; static, partly and fully dynamic results.
// CHECK-LABEL: func.func @layouts
// CHECK: tern.unpack %{{.*}} : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>> -> tensor<32x64xi8>
// CHECK: tern.unpack %{{.*}} : !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>> -> tensor<?x64xi8>
// CHECK: tern.unpack %{{.*}} : !tern.ternary<32x64, #tern.layout<bits = 8>> -> tensor<?x?xi8>
func.func @layouts(%a: !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, %b: !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>>, %c: !tern.ternary<32x64, #tern.layout<bits = 8>>) -> (tensor<32x64xi8>, tensor<?x64xi8>, tensor<?x?xi8>) {
  %wa = tern.unpack %a : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>> -> tensor<32x64xi8>
  %wb = tern.unpack %b : !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>> -> tensor<?x64xi8>
  %wc = tern.unpack %c : !tern.ternary<32x64, #tern.layout<bits = 8>> -> tensor<?x?xi8>
  return %wa, %wb, %wc : tensor<32x64xi8>, tensor<?x64xi8>, tensor<?x?xi8>
}
