//===- ScheduleDefaults.cpp - per-target default #tern.schedule -----------===//
#include "passes/ScheduleDefaults.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
/// The concrete targets (codegen/common/ScheduleSpace.h's list) and "host".
std::vector<llvm::StringRef> names() {
  std::vector<llvm::StringRef> out;
  for (const ::tern::sched::TargetSchedules &t : ::tern::sched::targets())
    out.push_back(t.name);
  out.push_back("host");
  return out;
}
} // namespace

llvm::ArrayRef<llvm::StringRef> mlir::tern::knownTargets() {
  static const std::vector<llvm::StringRef> all = names();
  return all;
}

std::string mlir::tern::knownTargetList(bool withHost) {
  std::string list;
  for (llvm::StringRef name : knownTargets()) {
    if (!withHost && name == "host")
      continue;
    if (!list.empty())
      list += ", ";
    list += name.str();
  }
  return list;
}

bool mlir::tern::isKnownTarget(llvm::StringRef target) {
  return llvm::is_contained(knownTargets(), target);
}

std::string mlir::tern::detectHostTarget() {
  llvm::Triple triple(llvm::sys::getProcessTriple());
  if (!triple.isX86())
    return "generic";
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  auto has = [&](const char *f) { return features.lookup(f); };
  if (has("avx512vnni") && has("avx512bw") && has("avx512vl"))
    return has("amx-tile") && has("amx-int8") ? "x86-amx" : "x86-avx512-vnni";
  if (has("avx2"))
    return "x86-64-v3";
  return "generic";
}

ScheduleAttr mlir::tern::scheduleFromKnobs(MLIRContext *ctx,
                                           const ::tern::sched::Schedule &s) {
  auto num = [&](const char *name) -> int64_t {
    auto it = s.find(name);
    return it == s.end() || it->second.empty() ? 0 : std::stoll(it->second);
  };
  auto text = [&](const char *name) {
    auto it = s.find(name);
    return it == s.end() ? llvm::StringRef() : llvm::StringRef(it->second);
  };
  return ScheduleAttr::get(ctx, num("tile_m"), num("tile_n"), num("unroll"), num("threads"),
                           num("prefetch"), num("gemv_tile_n"), text("mma"), text("isa"),
                           text("layout"));
}

::tern::sched::Schedule mlir::tern::knobsOf(ScheduleAttr s) {
  ::tern::sched::Schedule out;
  auto put = [&](const char *name, int64_t v) {
    if (v != 0)
      out[name] = std::to_string(v);
  };
  put("tile_m", s.getTileM());
  put("tile_n", s.getTileN());
  put("unroll", s.getUnroll());
  put("threads", s.getThreads());
  put("prefetch", s.getPrefetch());
  put("gemv_tile_n", s.getGemvTileN());
  if (!s.getMma().empty())
    out["mma"] = s.getMma().str();
  if (!s.getIsa().empty())
    out["isa"] = s.getIsa().str();
  if (!s.getLayout().empty())
    out["layout"] = s.getLayout().str();
  return out;
}

bool mlir::tern::scheduleSpace(llvm::StringRef target, llvm::StringRef opKind, int64_t n,
                               int64_t k, ::tern::sched::Space *space) {
  ::tern::sched::Kind kind;
  if (!::tern::sched::kindFromName(opKind.str(), &kind))
    return false;
  std::string resolved = target == "host" ? detectHostTarget() : target.str(), err;
  return ::tern::sched::spaceFor(resolved, kind, {n, k}, space, &err);
}

ScheduleAttr mlir::tern::defaultSchedule(MLIRContext *ctx,
                                         llvm::StringRef target,
                                         llvm::StringRef opKind, int64_t n,
                                         int64_t k) {
  ::tern::sched::Space space;
  if (!scheduleSpace(target, opKind, n, k, &space))
    return ScheduleAttr();
  return scheduleFromKnobs(ctx, space.defaults());
}
