// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s

// #tern.layout on its own: parameters at their defaults (bits 2, pack_dim 1,
// block 1, interleave 1, chunk 0) are elided, the others print in
// declaration order whatever order they were written in.
// CHECK-LABEL: func.func private @standalone()
// CHECK-SAME: l0 = #tern.layout<>
// CHECK-SAME: l1 = #tern.layout<>
// CHECK-SAME: l2 = #tern.layout<bits = 8>
// CHECK-SAME: l3 = #tern.layout<pack_dim = 0>
// CHECK-SAME: l4 = #tern.layout<pack_dim = 0, block = 640>
// CHECK-SAME: l5 = #tern.layout<block = 16>
// CHECK-SAME: l6 = #tern.layout<interleave = 4>
// CHECK-SAME: l7 = #tern.layout<chunk = 8>
// CHECK-SAME: l8 = #tern.layout<block = 2, interleave = 8, chunk = 16>
// CHECK-SAME: l9 = #tern.layout<pack_dim = 0, block = 640>
func.func private @standalone() attributes {
  l0 = #tern.layout<>,
  l1 = #tern.layout<bits = 2, pack_dim = 1, block = 1, interleave = 1, chunk = 0>,
  l2 = #tern.layout<bits = 8>,
  l3 = #tern.layout<pack_dim = 0>,
  l4 = #tern.layout<bits = 2, pack_dim = 0, block = 640>,
  l5 = #tern.layout<block = 16>,
  l6 = #tern.layout<pack_dim = 1, interleave = 4>,
  l7 = #tern.layout<chunk = 8>,
  l8 = #tern.layout<chunk = 16, interleave = 8, block = 2>,
  l9 = #tern.layout<block = 640, pack_dim = 0>
}

// Layouts in !tern.ternary types, each at the edge of what its matrix allows:
// the packed dimension exactly 4*block, interleave = N, chunk = K/4 (the
// whole row) or 1 byte.
// CHECK: tern.global @n_is_4_blocks : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>
tern.global @n_is_4_blocks : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>> from "w.bin" offset 0
// CHECK: tern.global @k_is_4_blocks : !tern.ternary<3x64, #tern.layout<block = 16>>
tern.global @k_is_4_blocks : !tern.ternary<3x64, #tern.layout<block = 16>> from "w.bin" offset 0
// pack_dim = 0 puts no constraint on K, pack_dim = 1 none on N.
// CHECK: tern.global @odd_k : !tern.ternary<8x7, #tern.layout<pack_dim = 0>>
tern.global @odd_k : !tern.ternary<8x7, #tern.layout<pack_dim = 0>> from "w.bin" offset 0
// CHECK: tern.global @odd_n : !tern.ternary<7x8, #tern.layout<>>
tern.global @odd_n : !tern.ternary<7x8, #tern.layout<>> from "w.bin" offset 0
// CHECK: tern.global @interleave_all_rows : !tern.ternary<32x64, #tern.layout<interleave = 32>>
tern.global @interleave_all_rows : !tern.ternary<32x64, #tern.layout<interleave = 32>> from "w.bin" offset 0
// CHECK: tern.global @chunk_whole_row : !tern.ternary<32x64, #tern.layout<interleave = 2, chunk = 16>>
tern.global @chunk_whole_row : !tern.ternary<32x64, #tern.layout<interleave = 2, chunk = 16>> from "w.bin" offset 0
// CHECK: tern.global @chunk_one_byte : !tern.ternary<32x64, #tern.layout<interleave = 2, chunk = 1>>
tern.global @chunk_one_byte : !tern.ternary<32x64, #tern.layout<interleave = 2, chunk = 1>> from "w.bin" offset 0
// bits = 8 stores any shape.
// CHECK: tern.global @bits8_any_shape : !tern.ternary<3x5, #tern.layout<bits = 8>>
tern.global @bits8_any_shape : !tern.ternary<3x5, #tern.layout<bits = 8>> from "w.bin" offset 0
// The lookup-table layouts store any shape (rows and groups are padded).
// CHECK: tern.global @tl2_any_shape : !tern.ternary<7x10, #tern.layout<block = 64, lut = 3>>
tern.global @tl2_any_shape : !tern.ternary<7x10, #tern.layout<lut = 3, block = 64>> from "w.bin" offset 0
// CHECK: tern.global @tl1 : !tern.ternary<32x64, #tern.layout<block = 16, lut = 2>>
tern.global @tl1 : !tern.ternary<32x64, #tern.layout<block = 16, lut = 2>> from "w.bin" offset 0
