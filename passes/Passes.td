//===- Passes.td - tern graph passes ------------------------*- tablegen -*-===//
//
// Target-neutral rewrites of the tern graph. One pass per file, named after
// its flag, each with a lit test of the same name under test/passes/.
//
// The usual order on an imported BitNet graph:
//   --tern-fuse-norm-quantize --tern-fuse-bitlinear --tern-fuse-residual
//   --tern-pack-weights --tern-attach-schedule
//
//===----------------------------------------------------------------------===//
#ifndef TERN_PASSES_TD
#define TERN_PASSES_TD

include "mlir/Pass/PassBase.td"

def TernFuseNormQuantize : Pass<"tern-fuse-norm-quantize", "::mlir::ModuleOp"> {
  let summary = "Fuse rms_norm (of relu2(gate) * up) and quantize into tern.norm_quantize";
  let description = [{
    Rewrites

    - `tern.quantize(tern.rms_norm(x, w))` into `tern.norm_quantize x, w`
      when the rms_norm has no other use (input_layernorm,
      post_attention_layernorm and attn_sub_norm feeding their BitLinears);
    - `tern.quantize(tern.rms_norm(tern.mul(tern.relu2(g), u), w))` (or
      `tern.mul(u, tern.relu2(g))`) into `tern.norm_quantize g gated_by u, w`
      when the relu2, the mul and the rms_norm have no other use (the FFN's
      relu2(gate) * up feeding ffn_sub_norm and down_proj).

    The epsilon of the rms_norm carries over. Norms with other users (e.g. the
    final norm feeding the LM head) are left alone.
  }];
  let dependentDialects = ["::mlir::tern::TernDialect"];
}

def TernFuseBitlinear : Pass<"tern-fuse-bitlinear", "::mlir::ModuleOp"> {
  let summary = "Turn tern.bitlinear into tern.ternary_matmul, merging siblings";
  let description = [{
    Every `tern.bitlinear` becomes a `tern.ternary_matmul`. With `concat`
    (the default), the bitlinears of one block that read the same `input`
    and `input_scale` with the same `scale_mode` and weights of the same K
    become ONE ternary_matmul with one weight, weight scale and result per
    bitlinear, in program order (q, k, v -> 3 results; gate, up -> 2).

    The merged op is placed where the first of its bitlinears was. The
    operands of the later ones (weights, weight scales) that are defined
    between the first and their own bitlinear are moved up, with everything
    in the same block they depend on, to just before it. Only ops without
    regions and without memory effects (tern.get_global, arith.constant,
    tensor.extract, arith.extf, ...) are moved, never a kernel
    (bitlinear / ternary_matmul); a bitlinear whose operands would need
    anything else moved starts a new group instead. This is always valid:
    moved ops are pure and land after all their operands, and every result
    is used after its original bitlinear, hence after the merged op.

    The merged op's `schedule` is that of the first bitlinear in program
    order that carries one (so, if the merged ones differ, the first's).
    `concat=false` converts each bitlinear on its own, in place.
  }];
  let options = [
    Option<"concat", "concat", "bool", /*default=*/"true",
           "merge bitlinears that share their input into one ternary_matmul">,
  ];
  let dependentDialects = ["::mlir::tern::TernDialect"];
}

def TernFuseResidual : Pass<"tern-fuse-residual", "::mlir::ModuleOp"> {
  let summary = "Fold a residual tern.add into the ternary_matmul that feeds it";
  let description = [{
    Rewrites `tern.add(h, m)` and `tern.add(m, h)`, where `m` is the single
    result of a `tern.ternary_matmul` without a residual and `m` has no other
    use, into that ternary_matmul with `residual h` (result `h + y`; float
    addition is commutative, so both operand orders give this value). The
    fused op takes the add's place (where `h` is known to be defined); when
    both operands qualify, the right one (`m` in `h + m`) is fused.
  }];
  let dependentDialects = ["::mlir::tern::TernDialect"];
}

def TernPackWeights : Pass<"tern-pack-weights", "::mlir::ModuleOp"> {
  let summary = "Give each tern.ternary_matmul one packed weight matrix";
  let description = [{
    For every `tern.ternary_matmul` without `parts` whose weights are all
    `tern.get_global` of `tern.global`s (any weight type: `!tern.ternary` in
    any layout, or `tensor<NxKxi8>` with an `encoding`), declares ONE new
    global `@"<first weight>.packed"` (`.packed_1`, ... if taken) holding
    the weights' rows one after another:
    `!tern.ternary<NtotalxK, #tern.layout<bits = 2, pack_dim = 1, block = B>>`
    in the file `packed-file`, at a running offset (creation order, each
    aligned up to 64 bytes, after anything already declared in that file).
    Its discardable attribute `sources` lists the original globals in order;
    the packed bytes are produced from them when the model is compiled.

    The op is replaced by one with that single weight and
    `parts = array<i64: N_0, N_1, ...>`; everything else is kept. Original
    globals that no longer have uses are erased. Two ops with the same
    weight list share one packed global.

    B is `block` when nonzero, else the largest of 64, 32, 16 that is at most
    `vector-bytes` (the target's SIMD width in bytes: 64 AVX-512, 32 AVX2,
    16 NEON) with K % (4 * B) == 0. A K that no such block divides is an
    error naming the weight and K. Ops whose weights are not all globals are
    left alone.

    `interleave = R` (> 1) selects the row-interleaved layout for GEMM
    tiles: `#tern.layout<block = B, interleave = R, chunk = B>`, where the B
    code bytes of R consecutive rows for each step of K are adjacent, so one
    register tile of R rows streams one contiguous run. Ntotal must be a
    multiple of R (an error otherwise).

    `lut = g` (2 or 3) selects the lookup-table layout instead (bitnet.cpp's
    TL1 / TL2): `#tern.layout<block = V, lut = g>`, groups of g weights as
    4-bit table indices (plus a sign bit for g = 3, 1.67 bits per weight),
    V = `block` or the target's vector-bytes (16, 32 or 64); any K and N
    (both are padded). It cannot be combined with interleave > 1.

    An op whose `#tern.schedule` has a `layout` knob (`"i2xR"`, `"tl1"`,
    `"tl2"`: ref::layoutFromName) is packed in that layout instead of the
    options' (its block still from `block` / `vector-bytes`): the layout is a
    schedule knob that `tern-attach-schedule`, run before this pass, takes
    from the target's default, a tuning record or a schedule file. Ops with
    the same weights but different layouts get one packed global each.
  }];
  let options = [
    Option<"block", "block", "int64_t", /*default=*/"0",
           "bytes per sub-slot run of the packed layout (0: choose from vector-bytes)">,
    Option<"vectorBytes", "vector-bytes", "int64_t", /*default=*/"64",
           "the target's SIMD width in bytes (64 AVX-512, 32 AVX2, 16 NEON)">,
    Option<"packedFile", "packed-file", "std::string", /*default=*/"\"model.tpack\"",
           "file the packed weights are declared in">,
    Option<"interleave", "interleave", "int64_t", /*default=*/"1",
           "rows interleaved per group (1: none; R > 1: the GEMM-tile layout)">,
    Option<"lut", "lut", "int64_t", /*default=*/"0",
           "0: 2-bit codes; 2 or 3: lookup-table indices of groups of that many weights">,
  ];
  let dependentDialects = ["::mlir::tern::TernDialect"];
}

def TernAttachSchedule : Pass<"tern-attach-schedule", "::mlir::ModuleOp"> {
  let summary = "Attach a #tern.schedule to every tern.bitlinear, tern.ternary_matmul, tern.matmul, tern.attention and tern.norm_quantize";
  let description = [{
    Gives each `tern.bitlinear` and `tern.ternary_matmul` a schedule, from
    lowest to highest precedence (and each `tern.matmul`, the LM head, the
    same way, but only with a `target` or a matching record: its kind is
    "matmul", or "int8_matmul" with `int8-head`, which tern-compile sets for
    --head=int8; its "layout" is the weight's element type, e.g. "f16", or
    "int8"; each `tern.attention` too, as kind "attention" with n = query
    heads, k = KV heads and "layout" "hd<head_dim>"; and each
    `tern.norm_quantize`, as kind "norm_quantize" with n = 1, k = the row
    length and "layout" the weight's element type, "+gated" added for the
    relu2(gate) * up form, e.g. "bf16+gated"):

    1. the default: the per-target table (passes/ScheduleDefaults.cpp) when
       `target` is set, else the `schedule` option (attribute text, e.g.
       `#tern.schedule<tile_n = 8, threads = 2>`);
    2. the schedule the op already carries (unless `override` is set), so a
       tuning record or a user's choice survives;
    3. a record of `schedule-file`, a JSON file
       with a top-level "schedules" array of records, each either
       `{"op": "ternary_matmul", "n": 2560, "k": 2560, "schedule": "#tern.schedule<...>"}`
       or `{"weight": "<symbol>", "schedule": "..."}`
       (see test/passes/Inputs/). A record matches an op by kind
       ("ternary_matmul", "bitlinear", "matmul", "int8_matmul", "attention"
       or "norm_quantize"), total N
       (all results' rows) and K,
       or by the symbol of one of its weights (the tern.get_global name, or
       one of the `sources` of a packed global). A weight record beats a
       shape record; among records of the same kind the later one wins. A
       shape record may also give "layout" ("i2x4", "tl2", or a
       "#tern.layout<...>": compared by its name where it has one) to match
       only ops in that layout: the packed weight's, else the `layout`
       option's, else the one the op's schedule names so far.

    The CPU targets' ternary matmul schedules have a `layout` knob (the
    packed weight layout, i2xR / tl1 / tl2), which `tern-pack-weights`,
    run after this pass, packs the weights in. Once the weights are packed
    (this pass run after packing), the default's layout knob is theirs, a
    tuning record of another layout does not match, and a schedule-file
    record of another layout is an error. The `layout` option pins the
    layout likewise before packing (tern-compile --layout/--interleave).

    Between 2 and 3 come the records of `tuned-file` (the same format),
    which tern-compile writes from the tuning database: a user's schedule
    file beats a tuning record, which beats the target default. With
    `record-source`, every op gets `tern.schedule_source` saying which one
    it got (tern-compile --emit=plan lists it).

    `target` is one of generic, x86-64-v3, x86-avx512-vnni, aarch64-dotprod,
    aarch64-i8mm, host; `host` resolves to `host-target` when the driver
    passes one, else to this machine (x86-avx512-vnni with AVX-512
    VNNI/BW/VL, x86-64-v3 with AVX2, else generic). Setting both `target`
    and a non-empty `schedule` is an error. This is the hook through which
    an autotuner drives codegen without code changes.
  }];
  let options = [
    Option<"schedule", "schedule", "std::string", /*default=*/"\"#tern.schedule<>\"",
           "the #tern.schedule attribute to attach (when no target is given)">,
    Option<"override", "override", "bool", /*default=*/"false",
           "replace schedules that ops already carry">,
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "take default schedules from this target's table (generic, "
           "x86-64-v3, x86-avx512-vnni, aarch64-dotprod, aarch64-i8mm, host)">,
    Option<"hostTarget", "host-target", "std::string", /*default=*/"\"\"",
           "what target=host resolves to (default: detect this machine)">,
    Option<"scheduleFile", "schedule-file", "std::string", /*default=*/"\"\"",
           "JSON file of schedule records that override everything else">,
    Option<"tunedFile", "tuned-file", "std::string", /*default=*/"\"\"",
           "JSON file of tuning records (tern-compile writes it from the "
           "tuning database): above the default and the op's, below "
           "schedule-file">,
    Option<"tunedName", "tuned-name", "std::string", /*default=*/"\"\"",
           "what to call tuned-file in tern.schedule_source (the tuning "
           "database it came from)">,
    Option<"recordSource", "record-source", "bool", /*default=*/"false",
           "mark each op with tern.schedule_source: where its schedule came from">,
    Option<"layout", "layout", "std::string", /*default=*/"\"\"",
           "the packed layout every unpacked ternary matmul gets (i2xR, tl1, "
           "tl2; tern-compile --layout/--interleave): the default's layout "
           "knob, and tuning records of another layout do not apply">,
    Option<"int8Head", "int8-head", "bool", /*default=*/"false",
           "the LM head (tern.matmul) becomes an int8 matmul: use that kind's "
           "space and records">,
  ];
  let dependentDialects = ["::mlir::tern::TernDialect"];
}

#endif
