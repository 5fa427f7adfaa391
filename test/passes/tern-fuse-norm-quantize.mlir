// RUN: tern-opt %s --split-input-file --tern-fuse-norm-quantize | FileCheck %s

// rms_norm -> quantize (input_layernorm, post_attention_layernorm,
// attn_sub_norm): one norm_quantize; the epsilon carries over.
// CHECK-LABEL: func.func @norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W:.*]]: tensor<64xbf16>)
// CHECK-NEXT: %[[Q:.*]], %[[S:.*]] = tern.norm_quantize %[[X]], %[[W]] {epsilon = 9.99999997E-7 : f32} : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xi8>, tensor<?xf32>
// CHECK-NEXT: return %[[Q]], %[[S]]
func.func @norm(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) -> (tensor<?x64xi8>, tensor<?xf32>) {
  %n = tern.rms_norm %x, %w {epsilon = 1.0e-06 : f32} : tensor<?x64xf32>, tensor<64xbf16>
  %q, %s = tern.quantize %n : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
  return %q, %s : tensor<?x64xi8>, tensor<?xf32>
}

// -----

// The default epsilon stays the default (not printed); static shapes work.
// CHECK-LABEL: func.func @default_epsilon
// CHECK-NEXT: tern.norm_quantize %{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<64xf32> -> tensor<4x64xi8>, tensor<4xf32>
// CHECK-NEXT: return
func.func @default_epsilon(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> (tensor<4x64xi8>, tensor<4xf32>) {
  %n = tern.rms_norm %x, %w : tensor<4x64xf32>, tensor<64xf32>
  %q, %s = tern.quantize %n : tensor<4x64xf32> -> tensor<4x64xi8>, tensor<4xf32>
  return %q, %s : tensor<4x64xi8>, tensor<4xf32>
}

// -----

// relu2(gate) * up -> ffn_sub_norm -> quantize: norm_quantize gated_by.
// CHECK-LABEL: func.func @gated
// CHECK-SAME: (%[[G:.*]]: tensor<?x192xf32>, %[[U:.*]]: tensor<?x192xf32>, %[[W:.*]]: tensor<192xbf16>)
// CHECK-NEXT: %[[Q:.*]], %[[S:.*]] = tern.norm_quantize %[[G]] gated_by %[[U]], %[[W]] {epsilon = 9.99999997E-7 : f32} : tensor<?x192xf32> gated_by tensor<?x192xf32>, tensor<192xbf16> -> tensor<?x192xi8>, tensor<?xf32>
// CHECK-NEXT: return %[[Q]], %[[S]]
func.func @gated(%g: tensor<?x192xf32>, %u: tensor<?x192xf32>, %w: tensor<192xbf16>) -> (tensor<?x192xi8>, tensor<?xf32>) {
  %r = tern.relu2 %g : tensor<?x192xf32>
  %m = tern.mul %r, %u : tensor<?x192xf32>
  %n = tern.rms_norm %m, %w {epsilon = 1.0e-06 : f32} : tensor<?x192xf32>, tensor<192xbf16>
  %q, %s = tern.quantize %n : tensor<?x192xf32> -> tensor<?x192xi8>, tensor<?xf32>
  return %q, %s : tensor<?x192xi8>, tensor<?xf32>
}

// -----

// up * relu2(gate) is the same product: the relu2's input is still the one
// that is gated.
// CHECK-LABEL: func.func @gated_commuted
// CHECK-SAME: (%[[G:.*]]: tensor<?x192xf32>, %[[U:.*]]: tensor<?x192xf32>, %[[W:.*]]: tensor<192xbf16>)
// CHECK-NEXT: tern.norm_quantize %[[G]] gated_by %[[U]], %[[W]] :
// CHECK-NEXT: return
func.func @gated_commuted(%g: tensor<?x192xf32>, %u: tensor<?x192xf32>, %w: tensor<192xbf16>) -> (tensor<?x192xi8>, tensor<?xf32>) {
  %r = tern.relu2 %g : tensor<?x192xf32>
  %m = tern.mul %u, %r : tensor<?x192xf32>
  %n = tern.rms_norm %m, %w : tensor<?x192xf32>, tensor<192xbf16>
  %q, %s = tern.quantize %n : tensor<?x192xf32> -> tensor<?x192xi8>, tensor<?xf32>
  return %q, %s : tensor<?x192xi8>, tensor<?xf32>
}

// -----

// The relu2 has another use: it must stay, so only the norm is fused (of
// the product).
// CHECK-LABEL: func.func @relu2_other_use
// CHECK-NEXT: %[[R:.*]] = tern.relu2
// CHECK-NEXT: %[[M:.*]] = tern.mul %[[R]], %{{.*}}
// CHECK-NEXT: %{{.*}}, %{{.*}} = tern.norm_quantize %[[M]], %{{[^ ]*}} :
// CHECK-NOT: gated_by
// CHECK-NEXT: return
func.func @relu2_other_use(%g: tensor<?x192xf32>, %u: tensor<?x192xf32>, %w: tensor<192xbf16>) -> (tensor<?x192xi8>, tensor<?xf32>, tensor<?x192xf32>) {
  %r = tern.relu2 %g : tensor<?x192xf32>
  %m = tern.mul %r, %u : tensor<?x192xf32>
  %n = tern.rms_norm %m, %w : tensor<?x192xf32>, tensor<192xbf16>
  %q, %s = tern.quantize %n : tensor<?x192xf32> -> tensor<?x192xi8>, tensor<?xf32>
  return %q, %s, %r : tensor<?x192xi8>, tensor<?xf32>, tensor<?x192xf32>
}

// -----

// The product has another use: same.
// CHECK-LABEL: func.func @mul_other_use
// CHECK-NEXT: %[[R:.*]] = tern.relu2
// CHECK-NEXT: %[[M:.*]] = tern.mul %[[R]], %{{.*}}
// CHECK-NEXT: tern.norm_quantize %[[M]], %{{[^ ]*}} :
// CHECK-NEXT: return
func.func @mul_other_use(%g: tensor<?x192xf32>, %u: tensor<?x192xf32>, %w: tensor<192xbf16>) -> (tensor<?x192xi8>, tensor<?xf32>, tensor<?x192xf32>) {
  %r = tern.relu2 %g : tensor<?x192xf32>
  %m = tern.mul %r, %u : tensor<?x192xf32>
  %n = tern.rms_norm %m, %w : tensor<?x192xf32>, tensor<192xbf16>
  %q, %s = tern.quantize %n : tensor<?x192xf32> -> tensor<?x192xi8>, tensor<?xf32>
  return %q, %s, %m : tensor<?x192xi8>, tensor<?xf32>, tensor<?x192xf32>
}

// -----

// A mul without relu2 is a plain input of the norm.
// CHECK-LABEL: func.func @mul_without_relu2
// CHECK-NEXT: %[[M:.*]] = tern.mul
// CHECK-NEXT: tern.norm_quantize %[[M]], %{{[^ ]*}} :
// CHECK-NEXT: return
func.func @mul_without_relu2(%g: tensor<?x192xf32>, %u: tensor<?x192xf32>, %w: tensor<192xbf16>) -> (tensor<?x192xi8>, tensor<?xf32>) {
  %m = tern.mul %g, %u : tensor<?x192xf32>
  %n = tern.rms_norm %m, %w : tensor<?x192xf32>, tensor<192xbf16>
  %q, %s = tern.quantize %n : tensor<?x192xf32> -> tensor<?x192xi8>, tensor<?xf32>
  return %q, %s : tensor<?x192xi8>, tensor<?xf32>
}

// -----

// The normalized value is used elsewhere too (or never quantized, like the
// final norm feeding the LM head): the norm stays, and its quantize
// becomes a norm_quantize of its own, without a norm.
// CHECK-LABEL: func.func @norm_other_use
// CHECK-NEXT: %[[N:.*]] = tern.rms_norm
// CHECK-NEXT: tern.norm_quantize %[[N]] : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
// CHECK-NEXT: tern.rms_norm
// CHECK-NEXT: tern.matmul
// CHECK-NOT: norm_quantize
func.func @norm_other_use(%x: tensor<?x64xf32>, %w: tensor<64xbf16>, %head: tensor<512x64xbf16>) -> (tensor<?x64xi8>, tensor<?xf32>, tensor<?x64xf32>, tensor<?x512xf32>) {
  %n = tern.rms_norm %x, %w : tensor<?x64xf32>, tensor<64xbf16>
  %q, %s = tern.quantize %n : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
  %f = tern.rms_norm %x, %w : tensor<?x64xf32>, tensor<64xbf16>
  %l = tern.matmul %f, %head : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
  return %q, %s, %n, %l : tensor<?x64xi8>, tensor<?xf32>, tensor<?x64xf32>, tensor<?x512xf32>
}

// -----

// A quantize of something else is a norm_quantize without a weight (the
// models without sub-norms quantize the attention output so); nested
// regions are visited.
// CHECK-LABEL: func.func @nested
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>
// CHECK: tern.norm_quantize %[[X]] : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
// CHECK-NOT: tern.quantize
// CHECK: scf.if
// CHECK-NEXT: tern.norm_quantize %[[X]], %{{.*}} : tensor<?x64xf32>, tensor<64xbf16>
// CHECK-NEXT: scf.yield
func.func @nested(%x: tensor<?x64xf32>, %w: tensor<64xbf16>, %c: i1) -> (tensor<?x64xi8>, tensor<?x64xi8>) {
  %q0, %s0 = tern.quantize %x : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
  %r = scf.if %c -> tensor<?x64xi8> {
    %n = tern.rms_norm %x, %w : tensor<?x64xf32>, tensor<64xbf16>
    %q, %s = tern.quantize %n : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
    scf.yield %q : tensor<?x64xi8>
  } else {
    scf.yield %q0 : tensor<?x64xi8>
  }
  return %q0, %r : tensor<?x64xi8>, tensor<?x64xi8>
}

// -----

// silu(gate) * up -> sub-norm -> quantize (1bitLLM): gated, activation silu.
// CHECK-LABEL: func.func @silu_gated
// CHECK-SAME: (%[[G:.*]]: tensor<?x192xf32>, %[[U:.*]]: tensor<?x192xf32>, %[[W:.*]]: tensor<192xbf16>)
// CHECK-NEXT: %[[Q:.*]], %[[S:.*]] = tern.norm_quantize %[[G]] gated_by %[[U]], %[[W]] {activation = #tern.activation<silu>} : tensor<?x192xf32> gated_by tensor<?x192xf32>, tensor<192xbf16> -> tensor<?x192xi8>, tensor<?xf32>
// CHECK-NEXT: return %[[Q]], %[[S]]
func.func @silu_gated(%g: tensor<?x192xf32>, %u: tensor<?x192xf32>, %w: tensor<192xbf16>) -> (tensor<?x192xi8>, tensor<?xf32>) {
  %r = tern.silu %g : tensor<?x192xf32>
  %m = tern.mul %u, %r : tensor<?x192xf32>
  %n = tern.rms_norm %m, %w : tensor<?x192xf32>, tensor<192xbf16>
  %q, %s = tern.quantize %n : tensor<?x192xf32> -> tensor<?x192xi8>, tensor<?xf32>
  return %q, %s : tensor<?x192xi8>, tensor<?xf32>
}

// -----

// silu(gate) * up quantized with no sub-norm (Llama-3 / Falcon3 1.58-bit):
// a gated norm_quantize without a weight.
// CHECK-LABEL: func.func @silu_no_norm
// CHECK-SAME: (%[[G:.*]]: tensor<?x192xf32>, %[[U:.*]]: tensor<?x192xf32>)
// CHECK-NEXT: %[[Q:.*]], %[[S:.*]] = tern.norm_quantize %[[G]] gated_by %[[U]] {activation = #tern.activation<silu>} : tensor<?x192xf32> gated_by tensor<?x192xf32> -> tensor<?x192xi8>, tensor<?xf32>
// CHECK-NEXT: return %[[Q]], %[[S]]
func.func @silu_no_norm(%g: tensor<?x192xf32>, %u: tensor<?x192xf32>) -> (tensor<?x192xi8>, tensor<?xf32>) {
  %r = tern.silu %g : tensor<?x192xf32>
  %m = tern.mul %r, %u : tensor<?x192xf32>
  %q, %s = tern.quantize %m : tensor<?x192xf32> -> tensor<?x192xi8>, tensor<?xf32>
  return %q, %s : tensor<?x192xi8>, tensor<?xf32>
}

// -----

// relu2 without a norm: gated, the default activation (not printed).
// CHECK-LABEL: func.func @relu2_no_norm
// CHECK-NEXT: tern.norm_quantize %{{[^ ]*}} gated_by %{{[^ ]*}} : tensor<4x192xf32> gated_by tensor<4x192xf32> -> tensor<4x192xi8>, tensor<4xf32>
// CHECK-NEXT: return
func.func @relu2_no_norm(%g: tensor<4x192xf32>, %u: tensor<4x192xf32>) -> (tensor<4x192xi8>, tensor<4xf32>) {
  %r = tern.relu2 %g : tensor<4x192xf32>
  %m = tern.mul %r, %u : tensor<4x192xf32>
  %q, %s = tern.quantize %m : tensor<4x192xf32> -> tensor<4x192xi8>, tensor<4xf32>
  return %q, %s : tensor<4x192xi8>, tensor<4xf32>
}

// -----

// The silu has another use: it stays, and the product is quantized alone.
// CHECK-LABEL: func.func @silu_other_use
// CHECK-NEXT: %[[R:.*]] = tern.silu
// CHECK-NEXT: %[[M:.*]] = tern.mul %[[R]], %{{.*}}
// CHECK-NEXT: tern.norm_quantize %[[M]] : tensor<?x192xf32> -> tensor<?x192xi8>, tensor<?xf32>
// CHECK-NEXT: return
func.func @silu_other_use(%g: tensor<?x192xf32>, %u: tensor<?x192xf32>) -> (tensor<?x192xi8>, tensor<?xf32>, tensor<?x192xf32>) {
  %r = tern.silu %g : tensor<?x192xf32>
  %m = tern.mul %r, %u : tensor<?x192xf32>
  %q, %s = tern.quantize %m : tensor<?x192xf32> -> tensor<?x192xi8>, tensor<?xf32>
  return %q, %s, %r : tensor<?x192xi8>, tensor<?xf32>, tensor<?x192xf32>
}
