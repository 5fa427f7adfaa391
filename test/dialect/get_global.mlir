// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

tern.global @"model.norm.weight" : tensor<64xbf16> from "model.safetensors" offset 0
tern.global @"model.layers.0.self_attn.q_proj.weight" : !tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>> from "model.safetensors" offset 128
tern.global @plain : tensor<32x64xi8> from "model.safetensors" offset 1152
tern.global @rows : !tern.ternary<32x64, #tern.layout<bits = 8>> from "model.safetensors" offset 3200

// CHECK-LABEL: func.func @tensor_weight
// CHECK: %[[W:.*]] = tern.get_global @model.norm.weight : tensor<64xbf16>
// CHECK: return %[[W]] : tensor<64xbf16>
// GENERIC-LABEL: sym_name = "tensor_weight"
// GENERIC: "tern.get_global"() <{name = @model.norm.weight}> : () -> tensor<64xbf16>
func.func @tensor_weight() -> tensor<64xbf16> {
  %w = tern.get_global @"model.norm.weight" : tensor<64xbf16>
  return %w : tensor<64xbf16>
}

// CHECK-LABEL: func.func @ternary_weight
// CHECK: %[[W:.*]] = tern.get_global @model.layers.0.self_attn.q_proj.weight : !tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>>
// CHECK: return %[[W]]
func.func @ternary_weight() -> !tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>> {
  %w = tern.get_global @"model.layers.0.self_attn.q_proj.weight" : !tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>>
  return %w : !tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>>
}

// Several uses of several weights; a plain int8 weight and a bits = 8 one
// are different types.
// CHECK-LABEL: func.func @several
// CHECK: %[[A:.*]] = tern.get_global @plain : tensor<32x64xi8>
// CHECK: %[[B:.*]] = tern.get_global @rows : !tern.ternary<32x64, #tern.layout<bits = 8>>
// CHECK: %[[C:.*]] = tern.get_global @plain : tensor<32x64xi8>
// CHECK: return %[[A]], %[[B]], %[[C]]
func.func @several() -> (tensor<32x64xi8>, !tern.ternary<32x64, #tern.layout<bits = 8>>, tensor<32x64xi8>) {
  %a = tern.get_global @plain : tensor<32x64xi8>
  %b = tern.get_global @rows : !tern.ternary<32x64, #tern.layout<bits = 8>>
  %c = tern.get_global @plain : tensor<32x64xi8>
  return %a, %b, %c : tensor<32x64xi8>, !tern.ternary<32x64, #tern.layout<bits = 8>>, tensor<32x64xi8>
}
