// RUN: tern-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{ternary weight must be a matrix [N, K] (output x input features), got rank 1}}
tern.global @rank1 : !tern.ternary<64, #tern.layout<>> from "w.bin" offset 0

// -----

// expected-error @+1 {{ternary weight must be a matrix [N, K] (output x input features), got rank 3}}
tern.global @rank3 : !tern.ternary<2x32x64, #tern.layout<>> from "w.bin" offset 0

// -----

// expected-error @+1 {{ternary weight must be a matrix [N, K] (output x input features), got rank 0}}
tern.global @rank0 : !tern.ternary<, #tern.layout<>> from "w.bin" offset 0

// -----

// expected-error @+1 {{ternary weight dimensions must be positive, got 0x64}}
tern.global @zero_rows : !tern.ternary<0x64, #tern.layout<>> from "w.bin" offset 0

// -----

// expected-error @+1 {{ternary weight dimensions must be positive, got 32x0}}
tern.global @zero_cols : !tern.ternary<32x0, #tern.layout<>> from "w.bin" offset 0

// -----

// expected-error @+1 {{ternary weight dimensions must be positive, got 0x64}}
func.func private @in_signature(!tern.ternary<0x64, #tern.layout<bits = 8>>)

// -----

// expected-error @+1 {{expected static shape}}
tern.global @dynamic : !tern.ternary<?x64, #tern.layout<>> from "w.bin" offset 0

// -----

// expected-error @+1 {{expected ','}}
tern.global @no_layout : !tern.ternary<32x64> from "w.bin" offset 0

// -----

// expected-error @+2 {{invalid kind of attribute specified}}
// expected-error @+1 {{failed to parse Tern_TernaryType parameter 'layout' which is to be a `::mlir::tern::LayoutAttr`}}
tern.global @schedule_as_layout : !tern.ternary<32x64, #tern.schedule<>> from "w.bin" offset 0

// -----

// expected-error @+1 {{invalid dimension}}
tern.global @trailing_x : !tern.ternary<32x64x, #tern.layout<>> from "w.bin" offset 0

// -----

// expected-error @+1 {{unknown attribute `ternary` in dialect `tern`}}
func.func private @as_attribute() attributes {t = #tern.ternary<32x64, #tern.layout<>>}
