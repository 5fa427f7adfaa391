// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// The default epsilon (1e-5) is elided from the custom form; the generic form
// always carries it.
// CHECK-LABEL: func.func @default_epsilon
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W:.*]]: tensor<64xbf16>)
// CHECK: %[[Y:.*]] = tern.rms_norm %[[X]], %[[W]] : tensor<?x64xf32>, tensor<64xbf16>
// CHECK-NOT: epsilon
// CHECK: return %[[Y]] : tensor<?x64xf32>
// GENERIC-LABEL: sym_name = "default_epsilon"
// GENERIC: "tern.rms_norm"(%{{.*}}, %{{.*}}) <{epsilon = 9.99999974E-6 : f32}> : (tensor<?x64xf32>, tensor<64xbf16>) -> tensor<?x64xf32>
func.func @default_epsilon(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) -> tensor<?x64xf32> {
  %y = tern.rms_norm %x, %w : tensor<?x64xf32>, tensor<64xbf16>
  return %y : tensor<?x64xf32>
}

// Writing the default explicitly is the same op.
// CHECK-LABEL: func.func @explicit_default_epsilon
// CHECK: tern.rms_norm %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<64xbf16>
// CHECK-NEXT: return
func.func @explicit_default_epsilon(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) -> tensor<?x64xf32> {
  %y = tern.rms_norm %x, %w {epsilon = 1.0e-05 : f32} : tensor<?x64xf32>, tensor<64xbf16>
  return %y : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @custom_epsilon
// CHECK: tern.rms_norm %{{.*}}, %{{.*}} {epsilon = 9.99999997E-7 : f32} : tensor<4x64xf32>, tensor<64xf32>
// GENERIC-LABEL: sym_name = "custom_epsilon"
// GENERIC: "tern.rms_norm"(%{{.*}}, %{{.*}}) <{epsilon = 9.99999997E-7 : f32}> : (tensor<4x64xf32>, tensor<64xf32>) -> tensor<4x64xf32>
func.func @custom_epsilon(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
  %y = tern.rms_norm %x, %w {epsilon = 1.0e-06 : f32} : tensor<4x64xf32>, tensor<64xf32>
  return %y : tensor<4x64xf32>
}

// Any rank >= 1 is normalized over its last dimension; f16 and dynamic
// weights are accepted.
// CHECK-LABEL: func.func @ranks
// CHECK: tern.rms_norm %{{.*}}, %{{.*}} : tensor<16xf32>, tensor<16xf16>
// CHECK: tern.rms_norm %{{.*}}, %{{.*}} : tensor<2x?x16xf32>, tensor<16xbf16>
// CHECK: tern.rms_norm %{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<?xbf16>
// CHECK: tern.rms_norm %{{.*}}, %{{.*}} : tensor<?x?xf32>, tensor<16xbf16>
func.func @ranks(%a: tensor<16xf32>, %wa: tensor<16xf16>, %b: tensor<2x?x16xf32>, %wb: tensor<16xbf16>, %c: tensor<?x16xf32>, %wc: tensor<?xbf16>, %d: tensor<?x?xf32>) -> (tensor<16xf32>, tensor<2x?x16xf32>, tensor<?x16xf32>, tensor<?x?xf32>) {
  %ya = tern.rms_norm %a, %wa : tensor<16xf32>, tensor<16xf16>
  %yb = tern.rms_norm %b, %wb : tensor<2x?x16xf32>, tensor<16xbf16>
  %yc = tern.rms_norm %c, %wc : tensor<?x16xf32>, tensor<?xbf16>
  %yd = tern.rms_norm %d, %wb : tensor<?x?xf32>, tensor<16xbf16>
  return %ya, %yb, %yc, %yd : tensor<16xf32>, tensor<2x?x16xf32>, tensor<?x16xf32>, tensor<?x?xf32>
}
