// RUN: tern-opt %s --canonicalize --split-input-file | FileCheck %s

// unpack(pack(x)) -> x when x has the unpacked type.
// CHECK-LABEL: func.func @unpack_of_pack
// CHECK-SAME: (%[[X:.*]]: tensor<32x64xi8>)
// CHECK-NEXT: return %[[X]] : tensor<32x64xi8>
func.func @unpack_of_pack(%x: tensor<32x64xi8>) -> tensor<32x64xi8> {
  %p = tern.pack %x : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>
  %u = tern.unpack %p : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>> -> tensor<32x64xi8>
  return %u : tensor<32x64xi8>
}

// -----

// Not folded when the types differ (a dynamic int8 input, a static result):
// replacing would change the type of the returned value.
// CHECK-LABEL: func.func @unpack_of_pack_type_differs
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xi8>)
// CHECK: %[[P:.*]] = tern.pack %[[X]] : tensor<?x64xi8> -> !tern.ternary<32x64, #tern.layout<>>
// CHECK: %[[U:.*]] = tern.unpack %[[P]] : !tern.ternary<32x64, #tern.layout<>> -> tensor<32x64xi8>
// CHECK: return %[[U]]
func.func @unpack_of_pack_type_differs(%x: tensor<?x64xi8>) -> tensor<32x64xi8> {
  %p = tern.pack %x : tensor<?x64xi8> -> !tern.ternary<32x64, #tern.layout<>>
  %u = tern.unpack %p : !tern.ternary<32x64, #tern.layout<>> -> tensor<32x64xi8>
  return %u : tensor<32x64xi8>
}

// -----

// pack(unpack(p)) -> p when packing back to p's own type.
// CHECK-LABEL: func.func @pack_of_unpack
// CHECK-SAME: (%[[P:.*]]: !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>)
// CHECK-NEXT: return %[[P]] : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>
func.func @pack_of_unpack(%p: !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>) -> !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>> {
  %u = tern.unpack %p : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>> -> tensor<32x64xi8>
  %q = tern.pack %u : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>
  return %q : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>
}

// -----

// pack(unpack(p)) into another layout is a real re-layout and stays.
// CHECK-LABEL: func.func @pack_of_unpack_other_layout
// CHECK-SAME: (%[[P:.*]]: !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>)
// CHECK: %[[U:.*]] = tern.unpack %[[P]] : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>> -> tensor<32x64xi8>
// CHECK: %[[Q:.*]] = tern.pack %[[U]] : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<>>
// CHECK: return %[[Q]]
func.func @pack_of_unpack_other_layout(%p: !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>) -> !tern.ternary<32x64, #tern.layout<>> {
  %u = tern.unpack %p : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>> -> tensor<32x64xi8>
  %q = tern.pack %u : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<>>
  return %q : !tern.ternary<32x64, #tern.layout<>>
}

// -----

// pack(pack(x) -> T1) -> T2 becomes one pack(x) -> T2.
// CHECK-LABEL: func.func @pack_of_pack
// CHECK-SAME: (%[[X:.*]]: tensor<32x64xi8>)
// CHECK-NEXT: %[[P:.*]] = tern.pack %[[X]] : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>>
// CHECK-NEXT: return %[[P]] : !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>>
func.func @pack_of_pack(%x: tensor<32x64xi8>) -> !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>> {
  %p = tern.pack %x : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<>>
  %q = tern.pack %p : !tern.ternary<32x64, #tern.layout<>> -> !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>>
  return %q : !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>>
}

// -----

// A chain of three re-layouts of a packed matrix collapses to one.
// CHECK-LABEL: func.func @pack_chain
// CHECK-SAME: (%[[P:.*]]: !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>)
// CHECK-NEXT: %[[R:.*]] = tern.pack %[[P]] : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>> -> !tern.ternary<32x64, #tern.layout<interleave = 2>>
// CHECK-NEXT: return %[[R]]
func.func @pack_chain(%p: !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>) -> !tern.ternary<32x64, #tern.layout<interleave = 2>> {
  %a = tern.pack %p : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>> -> !tern.ternary<32x64, #tern.layout<bits = 8>>
  %b = tern.pack %a : !tern.ternary<32x64, #tern.layout<bits = 8>> -> !tern.ternary<32x64, #tern.layout<>>
  %c = tern.pack %b : !tern.ternary<32x64, #tern.layout<>> -> !tern.ternary<32x64, #tern.layout<interleave = 2>>
  return %c : !tern.ternary<32x64, #tern.layout<interleave = 2>>
}

// -----

// A round trip through another layout comes back to the input itself:
// pack(pack(p) -> T1) -> T0 becomes pack(p) -> T0, a pack to the same type.
// CHECK-LABEL: func.func @pack_round_trip
// CHECK-SAME: (%[[P:.*]]: !tern.ternary<32x64, #tern.layout<>>)
// CHECK-NEXT: return %[[P]] : !tern.ternary<32x64, #tern.layout<>>
func.func @pack_round_trip(%p: !tern.ternary<32x64, #tern.layout<>>) -> !tern.ternary<32x64, #tern.layout<>> {
  %q = tern.pack %p : !tern.ternary<32x64, #tern.layout<>> -> !tern.ternary<32x64, #tern.layout<bits = 8>>
  %r = tern.pack %q : !tern.ternary<32x64, #tern.layout<bits = 8>> -> !tern.ternary<32x64, #tern.layout<>>
  return %r : !tern.ternary<32x64, #tern.layout<>>
}

// -----

// pack to the type it already has is a no-op.
// CHECK-LABEL: func.func @pack_same_type
// CHECK-SAME: (%[[P:.*]]: !tern.ternary<32x64, #tern.layout<interleave = 4>>)
// CHECK-NEXT: return %[[P]] : !tern.ternary<32x64, #tern.layout<interleave = 4>>
func.func @pack_same_type(%p: !tern.ternary<32x64, #tern.layout<interleave = 4>>) -> !tern.ternary<32x64, #tern.layout<interleave = 4>> {
  %q = tern.pack %p : !tern.ternary<32x64, #tern.layout<interleave = 4>> -> !tern.ternary<32x64, #tern.layout<interleave = 4>>
  return %q : !tern.ternary<32x64, #tern.layout<interleave = 4>>
}

// -----

// The intermediate value of a folded pair that is still used elsewhere stays
// for that use.
// CHECK-LABEL: func.func @shared_intermediate
// CHECK-SAME: (%[[X:.*]]: tensor<32x64xi8>)
// CHECK: %[[P:.*]] = tern.pack %[[X]] : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<>>
// CHECK-NOT: tern.unpack
// CHECK: return %[[X]], %[[P]] : tensor<32x64xi8>, !tern.ternary<32x64, #tern.layout<>>
func.func @shared_intermediate(%x: tensor<32x64xi8>) -> (tensor<32x64xi8>, !tern.ternary<32x64, #tern.layout<>>) {
  %p = tern.pack %x : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<>>
  %u = tern.unpack %p : !tern.ternary<32x64, #tern.layout<>> -> tensor<32x64xi8>
  return %u, %p : tensor<32x64xi8>, !tern.ternary<32x64, #tern.layout<>>
}
