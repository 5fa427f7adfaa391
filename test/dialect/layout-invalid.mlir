// RUN: tern-opt %s -split-input-file -verify-diagnostics

// Rules of #tern.layout itself (LayoutAttr::verify).

// expected-error @+1 {{layout bits must be 2 (packed codes) or 8 (plain int8), got 4}}
func.func private @bits() attributes {l = #tern.layout<bits = 4>}

// -----

// expected-error @+2 {{layout bits must be 2 (packed codes) or 8 (plain int8), got 1}}
// expected-error @+1 {{failed to parse Tern_TernaryType parameter 'layout'}}
tern.global @bits_in_type : !tern.ternary<32x64, #tern.layout<bits = 1>> from "w.bin" offset 0

// -----

// expected-error @+1 {{layout pack_dim must be 0 (output rows) or 1 (input columns), got 2}}
func.func private @pack_dim() attributes {l = #tern.layout<pack_dim = 2>}

// -----

// expected-error @+1 {{layout pack_dim must be 0 (output rows) or 1 (input columns), got -1}}
func.func private @negative_pack_dim() attributes {l = #tern.layout<pack_dim = -1>}

// -----

// expected-error @+1 {{layout block must be in [1, 2^31], got 0}}
func.func private @block() attributes {l = #tern.layout<block = 0>}

// -----

// expected-error @+1 {{layout interleave must be in [1, 65536], got 0}}
func.func private @interleave() attributes {l = #tern.layout<interleave = 0>}

// -----

// expected-error @+1 {{layout chunk must be in [0, 2^31] (0 = whole row), got -4}}
func.func private @chunk() attributes {l = #tern.layout<chunk = -4>}

// -----

// expected-error @+1 {{layout interleave/chunk need pack_dim = 1 (rows are interleaved along the input dimension)}}
func.func private @interleave_pack_dim0() attributes {l = #tern.layout<pack_dim = 0, interleave = 4>}

// -----

// expected-error @+1 {{layout interleave/chunk need pack_dim = 1 (rows are interleaved along the input dimension)}}
func.func private @chunk_pack_dim0() attributes {l = #tern.layout<pack_dim = 0, chunk = 8>}

// -----

// expected-error @+1 {{layout with bits = 8 is plain row-major int8: leave pack_dim, block, interleave and chunk at defaults}}
func.func private @bits8_pack_dim() attributes {l = #tern.layout<bits = 8, pack_dim = 0>}

// -----

// expected-error @+1 {{layout with bits = 8 is plain row-major int8: leave pack_dim, block, interleave and chunk at defaults}}
func.func private @bits8_block() attributes {l = #tern.layout<bits = 8, block = 4>}

// -----

// expected-error @+1 {{layout with bits = 8 is plain row-major int8: leave pack_dim, block, interleave and chunk at defaults}}
func.func private @bits8_interleave() attributes {l = #tern.layout<bits = 8, interleave = 2>}

// -----

// expected-error @+2 {{layout with bits = 8 is plain row-major int8: leave pack_dim, block, interleave and chunk at defaults}}
// expected-error @+1 {{failed to parse Tern_TernaryType parameter 'layout'}}
tern.global @bits8_chunk : !tern.ternary<32x64, #tern.layout<bits = 8, chunk = 4>> from "w.bin" offset 0

// -----

// Parameters are parsed as a struct.

// expected-error @+1 {{duplicate or unknown struct parameter name: stride}}
func.func private @unknown_param() attributes {l = #tern.layout<stride = 1>}

// -----

// expected-error @+1 {{duplicate or unknown struct parameter name: block}}
func.func private @duplicate_param() attributes {l = #tern.layout<block = 2, block = 2>}

// -----

// expected-error @+2 {{expected integer value}}
// expected-error @+1 {{failed to parse Tern_LayoutAttr parameter 'block' which is to be a `int64_t`}}
func.func private @not_an_integer() attributes {l = #tern.layout<block = big>}

// -----

// Whether the layout fits the matrix (TernaryType::verify).

// pack_dim = 0: N must be a multiple of 4*block.
// expected-error @+1 {{layout does not fit a 32x64 ternary weight: ternary layout: packed dim N = 32 must be a multiple of 4*block = 64}}
tern.global @n_vs_block : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 16>> from "w.bin" offset 0

// -----

// expected-error @+1 {{layout does not fit a 30x64 ternary weight: ternary layout: packed dim N = 30 must be a multiple of 4*block = 4}}
tern.global @n_not_multiple_of_4 : !tern.ternary<30x64, #tern.layout<pack_dim = 0>> from "w.bin" offset 0

// -----

// pack_dim = 1: K must be a multiple of 4*block.
// expected-error @+1 {{layout does not fit a 32x62 ternary weight: ternary layout: packed dim K = 62 must be a multiple of 4*block = 4}}
tern.global @k_not_multiple_of_4 : !tern.ternary<32x62, #tern.layout<>> from "w.bin" offset 0

// -----

// expected-error @+1 {{layout does not fit a 32x64 ternary weight: ternary layout: packed dim K = 64 must be a multiple of 4*block = 48}}
tern.global @k_vs_block : !tern.ternary<32x64, #tern.layout<block = 12>> from "w.bin" offset 0

// -----

// interleave must divide N.
// expected-error @+1 {{layout does not fit a 30x64 ternary weight: ternary layout: N = 30 must be a multiple of interleave = 4}}
tern.global @interleave_vs_n : !tern.ternary<30x64, #tern.layout<interleave = 4>> from "w.bin" offset 0

// -----

// chunk must divide the K/4 bytes of a packed row.
// expected-error @+1 {{layout does not fit a 32x64 ternary weight: ternary layout: K/4 = 16 bytes per row must be a multiple of chunk = 5}}
tern.global @chunk_vs_row : !tern.ternary<32x64, #tern.layout<interleave = 2, chunk = 5>> from "w.bin" offset 0

// -----

// expected-error @+1 {{layout does not fit a 32x64 ternary weight: ternary layout: K/4 = 16 bytes per row must be a multiple of chunk = 32}}
tern.global @chunk_longer_than_row : !tern.ternary<32x64, #tern.layout<chunk = 32>> from "w.bin" offset 0

// -----

// The fit check also runs on types in function signatures.
// expected-error @+1 {{layout does not fit a 32x64 ternary weight: ternary layout: packed dim N = 32 must be a multiple of 4*block = 256}}
func.func private @in_signature(!tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 64>>)

// -----

// Sizes that would overflow the layout formula (4 * block) are rejected.
// expected-error @+2 {{layout block must be in [1, 2^31], got 4611686018427387904}}
// expected-error @+1 {{failed to parse Tern_TernaryType parameter 'layout'}}
func.func @huge_block(%w: !tern.ternary<32x64, #tern.layout<block = 4611686018427387904>>) { return }

// -----

// expected-error @+2 {{layout interleave must be in [1, 65536], got 4294967300}}
// expected-error @+1 {{failed to parse Tern_TernaryType parameter 'layout'}}
func.func @huge_interleave(%w: !tern.ternary<32x64, #tern.layout<interleave = 4294967300>>) { return }

// -----

// expected-error @+2 {{layout lut must be 0 (2-bit codes), 2 or 3 (weights per table index), got 5}}
// expected-error @+1 {{failed to parse Tern_TernaryType parameter 'layout'}}
func.func @lut5(%w: !tern.ternary<32x64, #tern.layout<block = 64, lut = 5>>) { return }

// -----

// expected-error @+2 {{layout lut = 3 needs block = 16, 32 or 64 (index bytes per step: 16-byte table lanes), got 8}}
// expected-error @+1 {{failed to parse Tern_TernaryType parameter 'layout'}}
func.func @lut_block8(%w: !tern.ternary<32x64, #tern.layout<block = 8, lut = 3>>) { return }

// -----

// expected-error @+2 {{layout lut = 2 stores table indices along K: it needs bits = 2, pack_dim = 1 and no interleave/chunk}}
// expected-error @+1 {{failed to parse Tern_TernaryType parameter 'layout'}}
func.func @lut_interleaved(%w: !tern.ternary<32x64, #tern.layout<block = 16, interleave = 2, chunk = 16, lut = 2>>) { return }
