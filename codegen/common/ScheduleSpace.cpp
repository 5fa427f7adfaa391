//===- ScheduleSpace.cpp - each target's schedule knobs and their values --===//
#include "codegen/common/ScheduleSpace.h"
#include "runtime/reference/ternary_layout.h"

#include <algorithm>

namespace tern::sched {

// Each target folder's declaration (one function per family).
Space genericSpace(const std::string &target, Kind kind, const Shape &shape);
Space x86Space(const std::string &target, Kind kind, const Shape &shape);
Space aarch64Space(const std::string &target, Kind kind, const Shape &shape);
Space nvptxSpace(const std::string &target, Kind kind, const Shape &shape);

const char *kindName(Kind k) {
  switch (k) {
  case Kind::kTernaryMatmul:
    return "ternary_matmul";
  case Kind::kFloatMatmul:
    return "matmul";
  case Kind::kInt8Matmul:
    return "int8_matmul";
  case Kind::kAttention:
    return "attention";
  case Kind::kNormQuantize:
    return "norm_quantize";
  }
  return "?";
}

bool kindFromName(const std::string &name, Kind *kind) {
  if (name == "bitlinear") {
    *kind = Kind::kTernaryMatmul;
    return true;
  }
  for (Kind k : allKinds())
    if (name == kindName(k)) {
      *kind = k;
      return true;
    }
  return false;
}

const std::vector<Kind> &allKinds() {
  static const std::vector<Kind> all = {Kind::kTernaryMatmul, Kind::kFloatMatmul,
                                        Kind::kInt8Matmul, Kind::kAttention,
                                        Kind::kNormQuantize};
  return all;
}

std::string kindNames() {
  std::string out;
  for (Kind k : allKinds()) {
    out += out.empty() ? "" : ", ";
    out += kindName(k);
    if (k == Kind::kTernaryMatmul)
      out += ", bitlinear";
  }
  return out;
}

std::string attentionLayoutKey(int64_t headDim) { return "hd" + std::to_string(headDim); }

std::string normQuantizeLayoutKey(const std::string &weightType, bool gated, bool silu) {
  return (weightType.empty() ? std::string("none") : weightType) +
         (gated ? silu ? "+silu" : "+gated" : "");
}

const Knob *Space::knob(const std::string &name) const {
  for (const Knob &k : knobs)
    if (k.name == name)
      return &k;
  return nullptr;
}

Schedule Space::defaults() const {
  Schedule s;
  for (const Knob &k : knobs)
    s[k.name] = k.def;
  return s;
}

const std::vector<TargetSchedules> &targets() {
  static const std::vector<TargetSchedules> all = {
      {"generic", genericSpace},         {"x86-64-v3", x86Space},
      {"x86-avx512-vnni", x86Space},     {"x86-amx", x86Space},
      {"aarch64-dotprod", aarch64Space},
      {"aarch64-i8mm", aarch64Space},    {"sm_80", nvptxSpace},
      {"sm_90", nvptxSpace},             {"sm_90a", nvptxSpace},
  };
  return all;
}

bool spaceFor(const std::string &target, Kind kind, const Shape &shape, Space *out,
              std::string *err) {
  for (const TargetSchedules &t : targets())
    if (t.name == target) {
      *out = t.space(target, kind, shape);
      out->target = target;
      out->kind = kind;
      return true;
    }
  *err = "unknown target '" + target + "'";
  return false;
}

Knob layoutKnob(const Shape &shape, int64_t vectorBytes, const std::string &preferred) {
  Knob k{"layout", {}, "",
         "packed weight layout (i2xR: 2-bit codes, R rows interleaved; i2lane: one row per "
         "vector lane; tl: lookup tables)"};
  for (const char *name : {"i2x1", "i2x2", "i2x4", "i2x8", "i2lane", "tl1", "tl2"}) {
    ref::TernaryLayout l;
    if (shape.n > 0 && (!ref::layoutFromName(name, shape.k, vectorBytes, 0, &l, nullptr) ||
                        !ref::checkLayout(l, shape.n, shape.k, nullptr)))
      continue;
    k.values.push_back(name);
  }
  // The target's preference where it packs this shape, else i2x2, else
  // the first that does.
  for (const std::string &want : {preferred, std::string("i2x2")})
    for (const std::string &v : k.values)
      if (k.def.empty() && v == want)
        k.def = v;
  if (k.def.empty() && !k.values.empty())
    k.def = k.values[0];
  return k;
}

Space cpuAttentionSpace(const Shape &shape) {
  Space s;
  const int64_t group = shape.k > 0 && shape.n % shape.k == 0 ? shape.n / shape.k : 1;
  Knob k{"tile_n", {}, "1", "query heads of a GQA group per pass over the KV cache"};
  for (int64_t t : {1, 2, 4, 8})
    if (group % t == 0)
      k.values.push_back(std::to_string(t));
  if (k.values.size() > 1) {
    s.knobs = {k};
    s.decodeKnobs = {"tile_n"};
  }
  return s;
}

Space cpuNormQuantizeSpace(const Shape &shape) {
  (void)shape;
  Space s;
  s.knobs = {
      {"unroll", {"1", "2", "4"}, "1", "chunks per step of the absmax and quantize passes"},
      {"tile_m", {"1", "2", "4"}, "1", "token rows per pass (prefill)"},
  };
  s.decodeKnobs = {"unroll"};
  s.prefillKnobs = {"tile_m"};
  return s;
}

Space subspace(const Space &space, const std::vector<std::string> &names,
               const Schedule &fixed) {
  Space s = space;
  s.knobs.clear();
  for (const Knob &k : space.knobs)
    if (std::find(names.begin(), names.end(), k.name) != names.end()) {
      Knob kk = k;
      if (auto it = fixed.find(k.name); it != fixed.end())
        kk.def = it->second;
      s.knobs.push_back(kk);
    }
  return s;
}

namespace {
/// Integers as they are, strings quoted as in #tern.schedule.
std::string shown(const std::string &v) {
  bool num = !v.empty();
  for (char c : v)
    num &= c >= '0' && c <= '9';
  return num ? v : "\"" + v + "\"";
}
} // namespace

std::string checkSchedule(const Space &space, const Schedule &s) {
  const std::string where =
      std::string(kindName(space.kind)) + " on " + space.target;
  for (const auto &[name, value] : s) {
    if (value.empty() || value == "0")
      continue; // the default
    const Knob *k = space.knob(name);
    if (!k) {
      std::string knobs;
      for (const Knob &kk : space.knobs)
        knobs += (knobs.empty() ? "" : ", ") + kk.name;
      return name + " is not a knob of " + where + " (its knobs: " +
             (knobs.empty() ? "none" : knobs) + ")";
    }
    bool ok = false;
    std::string allowed;
    for (const std::string &v : k->values) {
      ok |= v == value;
      allowed += (allowed.empty() ? "" : ", ") + shown(v);
    }
    if (!ok)
      return name + " = " + shown(value) + " is not in the space of " + where + " (allowed: " +
             allowed + ")";
  }
  return "";
}

} // namespace tern::sched
