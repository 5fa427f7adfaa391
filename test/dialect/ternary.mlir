// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s

// !tern.ternary<N x K, layout> as a function argument and result type.
// CHECK-LABEL: func.func private @signature
// CHECK-SAME: (!tern.ternary<32x64, #tern.layout<>>, !tern.ternary<1x4, #tern.layout<>>) -> !tern.ternary<2560x6912, #tern.layout<pack_dim = 0, block = 640>>
func.func private @signature(!tern.ternary<32x64, #tern.layout<>>, !tern.ternary<1x4, #tern.layout<bits = 2>>) -> !tern.ternary<2560x6912, #tern.layout<pack_dim = 0, block = 640>>

// Equal types are the same type: a value passes through unchanged.
// CHECK-LABEL: func.func @identity
// CHECK-SAME: (%[[P:.*]]: !tern.ternary<6912x2560, #tern.layout<interleave = 4, chunk = 64>>) -> !tern.ternary<6912x2560, #tern.layout<interleave = 4, chunk = 64>>
// CHECK: return %[[P]] : !tern.ternary<6912x2560, #tern.layout<interleave = 4, chunk = 64>>
func.func @identity(%p: !tern.ternary<6912x2560, #tern.layout<chunk = 64, interleave = 4>>) -> !tern.ternary<6912x2560, #tern.layout<interleave = 4, chunk = 64>> {
  return %p : !tern.ternary<6912x2560, #tern.layout<interleave = 4, chunk = 64>>
}

// Large and non-square shapes; the storage is never materialized here.
// CHECK: tern.global @big : !tern.ternary<128256x2560, #tern.layout<bits = 8>>
tern.global @big : !tern.ternary<128256x2560, #tern.layout<bits = 8>> from "w.bin" offset 0
// CHECK: tern.global @tall : !tern.ternary<4096x4, #tern.layout<pack_dim = 0, block = 1024>>
tern.global @tall : !tern.ternary<4096x4, #tern.layout<pack_dim = 0, block = 1024>> from "w.bin" offset 0
// CHECK: tern.global @single : !tern.ternary<1x1, #tern.layout<bits = 8>>
tern.global @single : !tern.ternary<1x1, #tern.layout<bits = 8>> from "w.bin" offset 0
