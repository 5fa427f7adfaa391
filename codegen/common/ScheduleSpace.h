//===- ScheduleSpace.h - each target's schedule knobs and their values -*- C++ -*-===//
//
// What a target lets a #tern.schedule say, per kernel kind and shape: the
// knobs its kernels read, the values each may take, and the default. It is
// the one declaration behind three things: the defaults that
// --tern-attach-schedule attaches (passes/ScheduleDefaults.h), the check of
// a schedule from a file (a knob the target does not read, or a value
// outside the space, is an error naming the knob and the allowed values),
// and the space a tuner searches. Each target declares its own spaces in
// its folder (codegen/x86/X86Schedules.cpp, codegen/aarch64/...,
// codegen/nvptx/..., codegen/cpu/GenericSchedules.cpp); this file holds
// what they share and the list of them. Every knob in a space changes the
// generated code (test/unit/codegen/ScheduleSpaceTest.cpp). Plain C++: no
// MLIR.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_SCHEDULESPACE_H
#define TERN_CODEGEN_COMMON_SCHEDULESPACE_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tern::sched {

/// The kernels a schedule applies to. One ternary matmul kernel serves
/// decode (one token: gemv_tile_n, prefetch; GPU: threads, unroll) and
/// prefill (tile_m x tile_n tiles; GPU: mma); its space holds both, and on
/// the CPU the weight layout both read (`layout`: 2-bit codes with R rows
/// interleaved, or the lookup-table layouts tl1/tl2, whose kernel reads
/// tile_m, tile_n and prefetch but not gemv_tile_n). The LM
/// head is a float matmul (tern.matmul), or an int8 one with
/// `tern-compile --head=int8`; it runs once per step on one token, so its
/// knobs are all decode knobs.
///
/// Attention (tern.attention) is a kind too: its shape is n = query heads,
/// k = KV heads (the GQA group is n / k), and on the CPU its one knob is
/// tile_n, the query heads of a group computed per pass over the KV cache.
///
/// The fused RMSNorm + int8 quantize (tern.norm_quantize) is one too: its
/// shape is n = 1, k = the row length, and its layout key the weight's
/// element type, with "+gated" for the FFN's relu2(gate) * up form. On the
/// CPU its knobs are tile_m (prefill: token rows per pass) and unroll
/// (decode: chunks per step of the absmax and quantize passes); neither
/// changes a bit of its result.
enum class Kind { kTernaryMatmul, kFloatMatmul, kInt8Matmul, kAttention, kNormQuantize };
/// "ternary_matmul", "matmul" (the float head, as its op), "int8_matmul",
/// "attention", "norm_quantize".
const char *kindName(Kind k);
/// The kind of `name` (a kindName, or "bitlinear": the ternary matmul it
/// fuses into); false for an unknown name.
bool kindFromName(const std::string &name, Kind *kind);

/// The shape a space may depend on.
struct Shape {
  int64_t n = 0, k = 0; ///< output rows (all parts), reduction length
};

/// Every kind, in a fixed order.
const std::vector<Kind> &allKinds();
/// "ternary_matmul, bitlinear, matmul, ...": the names kindFromName takes.
std::string kindNames();

/// The layout keys of the kinds whose records name no packed layout
/// (tern-attach-schedule and tern-tune agree on them through these):
/// attention's "hd<head_dim>", and norm_quantize's weight element type
/// ("bf16", as MLIR prints it; "none" without a norm) with "+gated" for
/// relu2(gate) * up and "+silu" for silu(gate) * up.
std::string attentionLayoutKey(int64_t headDim);
std::string normQuantizeLayoutKey(const std::string &weightType, bool gated, bool silu);

/// One knob: its name in #tern.schedule, the values it may take (integers
/// in decimal, strings as written), the default, and what it does.
struct Knob {
  std::string name;
  std::vector<std::string> values;
  std::string def;
  std::string what;
};

/// A schedule as knob name -> value; an absent knob is 0 / "" ("let the
/// target choose", i.e. its default).
using Schedule = std::map<std::string, std::string>;

struct Space {
  std::string target;
  Kind kind = Kind::kTernaryMatmul;
  std::vector<Knob> knobs;
  /// Bumped when a target changes its knobs or values: tuning records
  /// made for another version do not apply.
  int version = 1;
  /// The knobs a tuner searches for one token (decode) and for a prefill
  /// bucket (with decode's choice fixed); together, every knob. A kind
  /// without prefill knobs (the heads) is tuned for one token only; a
  /// space without knobs (the GPU's heads) has nothing to tune.
  std::vector<std::string> decodeKnobs, prefillKnobs;
  /// The knobs chosen once for decode and prefill together, before either
  /// is searched: the packed weight layout (`layout`), which both read.
  /// A tuner judges them by decode's time plus prefill's per token.
  std::vector<std::string> layoutKnobs;

  const Knob *knob(const std::string &name) const;
  /// Every knob at its default.
  Schedule defaults() const;
};

/// The `layout` knob of a CPU ternary matmul: the packed layouts
/// (ref::layoutFromName: i2x1, i2x2, i2x4, i2x8, i2lane, tl1, tl2) that
/// hold an N x K matrix with the blocks a target of `vectorBytes`-byte
/// vectors takes; the default is the target's `preferred` where it fits,
/// else i2x2 (measured 1.4x faster decode than i2x1 on 2b4t), else the
/// first that fits. A zero shape lists all.
Knob layoutKnob(const Shape &shape, int64_t vectorBytes, const std::string &preferred = "i2x2");

/// The CPU attention's space at `shape` (n = query heads, k = KV heads):
/// tile_n, the divisors of the group among 1, 2, 4 and 8 (default 1); no
/// knob where the group is one head. Searched for one token (decode).
Space cpuAttentionSpace(const Shape &shape);

/// The CPU norm_quantize's space (any row length): unroll in 1, 2, 4
/// (decode) and tile_m in 1, 2, 4 (prefill), both 1 by default.
Space cpuNormQuantizeSpace(const Shape &shape);

/// One target's spaces.
struct TargetSchedules {
  std::string name; ///< "x86-avx512-vnni", "sm_90", ...
  Space (*space)(const std::string &target, Kind kind, const Shape &shape);
};

/// Every concrete target, in a fixed order (not "host").
const std::vector<TargetSchedules> &targets();
/// The space of `target` for `kind` at `shape`; false + err for an unknown
/// target.
bool spaceFor(const std::string &target, Kind kind, const Shape &shape, Space *out,
              std::string *err);

/// The knobs of `space` named in `names` (in the space's order), each
/// defaulting to its value in `fixed` where that has one: the part of a
/// space one token bucket searches.
Space subspace(const Space &space, const std::vector<std::string> &names,
               const Schedule &fixed);

/// "" when every knob `s` sets is in `space` with an allowed value (0 / ""
/// always is: the default); else e.g. "tile_k is not a knob of ternary_matmul
/// on x86-avx512-vnni (its knobs: tile_m, tile_n, gemv_tile_n, prefetch)" or
/// "tile_n = 7 is not in the space of ternary_matmul on x86-avx512-vnni
/// (allowed: 1, 2, 3, 4, 6)".
std::string checkSchedule(const Space &space, const Schedule &s);

} // namespace tern::sched

#endif
