// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @missing() {
  // expected-error @+1 {{'tern.get_global' op refers to @nope, which is not a tern.global in this module}}
  %w = tern.get_global @nope : tensor<64xbf16>
  return
}

// -----

// A symbol that exists but is not a tern.global.
func.func private @helper()

func.func @not_a_global() {
  // expected-error @+1 {{'tern.get_global' op refers to @helper, which is not a tern.global in this module}}
  %w = tern.get_global @helper : tensor<64xbf16>
  return
}

// -----

tern.global @norm : tensor<64xbf16> from "model.safetensors" offset 0

func.func @element_type_mismatch() {
  // expected-error @+1 {{'tern.get_global' op weight @norm is declared as 'tensor<64xbf16>' but used as 'tensor<64xf32>'}}
  %w = tern.get_global @norm : tensor<64xf32>
  return
}

// -----

tern.global @norm : tensor<64xbf16> from "model.safetensors" offset 0

func.func @shape_mismatch() {
  // expected-error @+1 {{'tern.get_global' op weight @norm is declared as 'tensor<64xbf16>' but used as 'tensor<?xbf16>'}}
  %w = tern.get_global @norm : tensor<?xbf16>
  return
}

// -----

tern.global @q : !tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>> from "model.safetensors" offset 0

func.func @layout_mismatch() {
  // expected-error @+1 {{'tern.get_global' op weight @q is declared as '!tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>>' but used as '!tern.ternary<64x64, #tern.layout<>>'}}
  %w = tern.get_global @q : !tern.ternary<64x64, #tern.layout<>>
  return
}

// -----

tern.global @q : !tern.ternary<64x64, #tern.layout<>> from "model.safetensors" offset 0

func.func @packed_used_as_plain() {
  // expected-error @+1 {{'tern.get_global' op weight @q is declared as '!tern.ternary<64x64, #tern.layout<>>' but used as 'tensor<64x64xi8>'}}
  %w = tern.get_global @q : tensor<64x64xi8>
  return
}

// -----

tern.global @q : tensor<64x64xi8> from "model.safetensors" offset 0

func.func @nested_ref() {
  // expected-error @+1 {{custom op 'tern.get_global' invalid kind of attribute specified}}
  %w = tern.get_global @q::@r : tensor<64x64xi8>
  return
}
