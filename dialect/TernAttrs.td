//===- TernAttrs.td - tern attributes -----------------------*- tablegen -*-===//

#ifndef TERN_ATTRS_TD
#define TERN_ATTRS_TD

include "dialect/TernDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

class Tern_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Tern_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

// How a BitLinear applies its per-matrix weight scale.
def Tern_ScaleMode : I32EnumAttr<"ScaleMode", "how the weight scale is applied", [
    I32EnumAttrCase<"multiply", 0>,
    I32EnumAttrCase<"divide", 1>]> {
  let cppNamespace = "::mlir::tern";
  let genSpecializedAttr = 0;
}
def Tern_ScaleModeAttr : EnumAttr<Tern_Dialect, Tern_ScaleMode, "scale_mode"> {
  let assemblyFormat = "`<` $value `>`";
}

// The FFN's gate activation (HF hidden_act), where a kernel op fuses it.
def Tern_Activation : I32EnumAttr<"Activation", "the FFN gate's activation", [
    I32EnumAttrCase<"relu2", 0>,
    I32EnumAttrCase<"silu", 1>]> {
  let cppNamespace = "::mlir::tern";
  let genSpecializedAttr = 0;
}
def Tern_ActivationAttr : EnumAttr<Tern_Dialect, Tern_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

def Tern_LayoutAttr : Tern_Attr<"Layout", "layout"> {
  let summary = "how a ternary weight matrix is packed into bytes";
  let description = [{
    Describes the storage of a logical ternary matrix W[N][K] (N = output
    features, K = input features). The same formula is implemented in
    `runtime/reference/ternary_layout.h`, which packs and unpacks it.

    - `bits`: 2 (code c = w + 1 in {0, 1, 2}, four codes per byte) or 8 (one
      int8 per weight, row-major, all other parameters at their defaults).
    - `pack_dim`: 0 packs along N (storage [N/4][K]), 1 along K ([N][K/4]).
    - `block`: element i of the packed dimension lands in byte
      `(i / (4*block)) * block + i % block`, sub-slot `(i / block) % 4` (bits
      2s..2s+1). `block = 1`: four consecutive weights per byte.
      `pack_dim = 0, block = N/4` is the Hugging Face BitNet checkpoint layout.
    - `interleave` R and `chunk` C (bytes), with `pack_dim = 1` only: rows in
      groups of R whose packed bytes alternate in chunks of C (0 = whole row),
      for SIMD kernels that stream several rows at once.
    - `lut` g (2 or 3; 0 = codes): the lookup-table layout, after bitnet.cpp's
      TL1 / TL2. Groups of g weights become 4-bit indices (plus a sign bit for
      g = 3: 1.67 bits per weight) into per-call tables of activation sums;
      `block` (16, 32 or 64) is the index bytes per step, rows go in blocks of
      16. Needs `bits = 2, pack_dim = 1` and no interleave.

    Examples: `#tern.layout<bits = 2, pack_dim = 0, block = 640>`,
    `#tern.layout<block = 64, lut = 3>`.
  }];
  let parameters = (ins
    DefaultValuedParameter<"int64_t", "2">:$bits,
    DefaultValuedParameter<"int64_t", "1">:$pack_dim,
    DefaultValuedParameter<"int64_t", "1">:$block,
    DefaultValuedParameter<"int64_t", "1">:$interleave,
    DefaultValuedParameter<"int64_t", "0">:$chunk,
    DefaultValuedParameter<"int64_t", "0">:$lut);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The layout as the runtime's plain struct (same formula, no MLIR).
    ::tern::ref::TernaryLayout toRuntime() const;
    /// True when this layout can hold an N x K matrix; otherwise `why` says
    /// which rule fails.
    bool fits(int64_t n, int64_t k, std::string &why) const;
  }];
}

def Tern_ScheduleAttr : Tern_Attr<"Schedule", "schedule"> {
  let summary = "the tunable knobs of one kernel";
  let description = [{
    The only place a kernel's tunable numbers live; codegen reads it and an
    autotuner writes it. Zero means "let the target choose". `tile_m` tiles
    tokens, `tile_n` output rows; `unroll` is the GPU's 16-byte weight loads
    per lane in flight; `threads` the GPU's threads per block; `prefetch`
    is the CPU's software prefetch distance in rows; `gemv_tile_n` the output
    rows per tile of a single token (decode) in ternary matmuls, 0 = one
    interleave group of the weight layout (else tile_n). `mma` picks the GPU
    instruction of ternary matmuls over 8 or more tokens (prefill): "dp4a"
    (no tensor cores), "mma_sync" (int8 mma.sync m16n8k32, the default) or
    "wgmma" (Hopper's warpgroup wgmma.mma_async m64nNk32 from shared memory,
    which needs --target=sm_90a); "" lets the target choose. `isa` picks a
    CPU kernel's dot-product instructions where the machine has several
    ("avx512-vnni" or "avx2" for the int8 head on an AVX-512 VNNI target;
    "amx" or "avx512-vnni" for the i2lane prefill of ternary matmuls on
    x86-amx, which the other layouts ignore);
    "" is the target's own. `layout` picks a ternary matmul's packed weight
    layout ("i2xR": 2-bit codes with R rows interleaved, "tl1", "tl2": the
    lookup tables; "" lets the packing pass's options decide):
    --tern-pack-weights packs the op's weights in it, and once they are
    packed the op's verifier checks that the two agree. Which knobs a
    target reads and the values each may take is the target's schedule
    space (codegen/common/ScheduleSpace.h); --tern-attach-schedule refuses a
    schedule file outside it.

    Example: `#tern.schedule<tile_m = 8, tile_n = 3, prefetch = 8>`,
    `#tern.schedule<tile_m = 4, threads = 128, unroll = 4, mma = "wgmma">`,
    `#tern.schedule<tile_n = 3, layout = "i2x4">`.
  }];
  let parameters = (ins
    DefaultValuedParameter<"int64_t", "0">:$tile_m,
    DefaultValuedParameter<"int64_t", "0">:$tile_n,
    DefaultValuedParameter<"int64_t", "0">:$unroll,
    DefaultValuedParameter<"int64_t", "0">:$threads,
    DefaultValuedParameter<"int64_t", "0">:$prefetch,
    DefaultValuedParameter<"int64_t", "0">:$gemv_tile_n,
    StringRefParameter<"GPU prefill instruction", "\"\"">:$mma,
    StringRefParameter<"CPU dot-product instructions", "\"\"">:$isa,
    StringRefParameter<"packed weight layout", "\"\"">:$layout);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // TERN_ATTRS_TD
