//===- GpuCandidates.cpp - tern-tune's GPU round trip ---------------------===//
#include "tools/tern-tune/GpuCandidates.h"

#include "codegen/common/PlanBuilder.h"
#include "codegen/common/ScheduleSpace.h"
#include "codegen/common/TuneSearch.h"
#include "codegen/nvptx/GpuEmitter.h"
#include "codegen/nvptx/GpuKernels.h"
#include "codegen/nvptx/GpuTarget.h"
#include "codegen/nvptx/LowerToPtx.h"
#include "dialect/TernDialect.h"
#include "passes/ScheduleDefaults.h"
#include "runtime/cuda/GpuBenchmark.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/xxhash.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace tern::tune {

namespace {

constexpr const char *kManifestMagic = "TERNGPM1";

/// "k=v;k2=v2" with "" written as "-" (a schedule on one line).
std::string scheduleWord(const sched::Schedule &s) {
  std::string out;
  for (const auto &[k, v] : s)
    out += (out.empty() ? "" : ";") + k + "=" + (v.empty() ? "-" : v);
  return out.empty() ? "-" : out;
}

bool parseScheduleWord(const std::string &w, sched::Schedule *s) {
  s->clear();
  if (w == "-")
    return true;
  std::stringstream in(w);
  for (std::string kv; std::getline(in, kv, ';');) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return false;
    const std::string v = kv.substr(eq + 1);
    (*s)[kv.substr(0, eq)] = v == "-" ? "" : v;
  }
  return true;
}

} // namespace

bool emitGpuCandidates(const std::string &target, const std::vector<GpuMatmul> &mms,
                       int prefillTokens, const std::string &dir, std::string *summary,
                       std::string *err) {
  nvptx::GpuTarget gt;
  if (!nvptx::resolveGpuTarget(target, &gt, err))
    return false;
  if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
    *err = dir + ": cannot create: " + ec.message();
    return false;
  }
  // The GPU emitter's checks (a schedule it cannot build is a candidate
  // that fails to compile, as tern-compile would say).
  mlir::DialectRegistry registry;
  nvptx::registerGpuDialects(registry);
  registry.insert<mlir::tern::TernDialect>(); // #tern.schedule
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  mlir::OpBuilder b(&ctx);
  mlir::OwningOpRef<mlir::ModuleOp> scratch = mlir::ModuleOp::create(b.getUnknownLoc());
  nvptx::GpuEmitter emitter(b, *scratch, gt);

  std::ostringstream manifest;
  manifest << kManifestMagic << " " << target << " " << ternVersion() << " " << codegenHash()
           << "\n";
  int files = 0, candidates = 0, groups = 0, invalid = 0;
  for (const GpuMatmul &mm : mms) {
    sched::Space space;
    if (!sched::spaceFor(target, sched::Kind::kTernaryMatmul, {mm.N, mm.K}, &space, err))
      return false;
    for (int bucket = 0; bucket < 2; ++bucket) {
      const int64_t T = bucket == 0 ? 1 : prefillTokens;
      const std::string group = "g" + std::to_string(groups++);
      manifest << "group " << group << " " << mm.N << " " << mm.K << " " << T << " "
               << space.version << " " << mm.layoutText << "\n";
      const sched::Space sub =
          sched::subspace(space, bucket == 0 ? space.decodeKnobs : space.prefillKnobs,
                          space.defaults());
      std::map<uint64_t, std::string> byCode;
      const std::vector<sched::Schedule> all = enumerate(sub);
      for (size_t i = 0; i < all.size(); ++i) {
        sched::Schedule s = space.defaults();
        for (const auto &[k, v] : all[i])
          s[k] = v;
        const std::string label = "tune/" + group + "/c" + std::to_string(i);
        const std::string origin = i == 0 ? "default" : "grid";
        ++candidates;
        codegen::TernaryMatmulParams p;
        p.K = mm.K;
        p.parts = {mm.N};
        p.max_batch = T;
        p.setLayout(mm.layout);
        codegen::applySchedule(mlir::tern::scheduleFromKnobs(&ctx, s), &p);
        std::string why = emitter.checkTernaryMatmul(p);
        std::string ptx;
        nvptx::GpuLaunch launch;
        if (why.empty() &&
            !nvptx::buildKernelPtx(
                [&](mlir::OpBuilder &ob, mlir::gpu::GPUModuleOp gm) {
                  return nvptx::buildGpuTernaryMatmulKernel(ob, gm, "k", p, T == 1);
                },
                gt.chip, &launch, &ptx, &why))
          why = why.empty() ? "the PTX could not be generated" : why;
        if (!why.empty()) {
          for (char &c : why)
            if (c == '\n')
              c = ' ';
          manifest << "cand " << label << " " << origin << " invalid " << scheduleWord(s) << "\n"
                   << "why " << label << " " << why << "\n";
          ++invalid;
          continue;
        }
        const uint64_t code = llvm::xxh3_64bits(ptx + "|" + std::to_string(launch.items) + "|" +
                                               std::to_string(launch.threads));
        if (auto it = byCode.find(code); it != byCode.end()) {
          manifest << "cand " << label << " " << origin << " same:" << it->second << " "
                   << scheduleWord(s) << "\n";
          continue;
        }
        byCode[code] = label;
        rt::cuda::TernaryBench tb;
        tb.label = label;
        tb.kernel = launch.name;
        tb.ptx = ptx;
        tb.N = mm.N;
        tb.K = mm.K;
        tb.T = T;
        tb.items = launch.items;
        tb.threads = launch.threads;
        tb.unroll = p.unroll;
        tb.mma = p.mma;
        tb.onlySm = p.mma == "wgmma" ? 90 : 0;
        tb.block = p.block;
        tb.interleave = p.interleave;
        char name[32];
        std::snprintf(name, sizeof name, "/c%05d.gpubench", files++);
        if (!rt::cuda::writeBench(tb, dir + name, err))
          return false;
        manifest << "cand " << label << " " << origin << " bench " << scheduleWord(s) << "\n";
      }
    }
  }
  std::ofstream f(dir + "/manifest.txt");
  f << manifest.str();
  f.close();
  if (!f) {
    *err = dir + "/manifest.txt: cannot write";
    return false;
  }
  *summary = std::to_string(candidates) + " candidates of " + std::to_string(groups) +
             " groups (" + std::to_string(mms.size()) + " ternary matmuls x decode, prefill " +
             std::to_string(prefillTokens) + ") for " + target + ": " + std::to_string(files) +
             " distinct kernels in " + dir + ", " + std::to_string(invalid) +
             " that the target cannot build";
  return true;
}

namespace {

struct Cand {
  std::string label, origin, status; ///< status: bench, invalid, same:LABEL
  sched::Schedule schedule;
  std::string why;
};
struct Group {
  std::string name;
  int64_t N = 0, K = 0, T = 1;
  int spaceVersion = 0;
  std::string layout;
  std::vector<Cand> cands;
};
struct Outcome {
  std::string status, detail; ///< ok, wrong, fail
  std::vector<std::vector<double>> rounds;
};

/// Hands TuneSearch the rounds the GPU measured, in order: a candidate's
/// first measurement is round 0, its next round 1, ...
class ReplayMeasurer : public Measurer {
public:
  ReplayMeasurer(const Group &g, const std::map<std::string, Outcome> &out) : g(g), out(out) {}
  Measurement measure(const sched::Schedule &s, double) override {
    Measurement m;
    const Cand *c = find(s);
    if (!c) {
      m.failure = Failure::kCompile;
      m.detail = "not among the emitted candidates";
      return m;
    }
    if (c->status == "invalid") {
      m.failure = Failure::kCompile;
      m.detail = c->why;
      return m;
    }
    const std::string label = base(*c);
    auto it = out.find(label);
    if (it == out.end()) {
      m.failure = Failure::kCrash;
      m.detail = "no result from the GPU run";
      return m;
    }
    const Outcome &o = it->second;
    if (o.status == "wrong") {
      m.failure = Failure::kWrongResult;
      m.detail = o.detail;
      return m;
    }
    const size_t r = used[label]++;
    if (o.status != "ok" || r >= o.rounds.size()) {
      m.failure = Failure::kCrash;
      m.detail = o.status != "ok" ? o.detail : "the GPU run has no round " + std::to_string(r);
      return m;
    }
    m.seconds = o.rounds[r];
    return m;
  }
  std::string codeKey(const sched::Schedule &s) override {
    const Cand *c = find(s);
    return c && c->status != "invalid" ? base(*c) : "";
  }

private:
  const Cand *find(const sched::Schedule &s) const {
    for (const Cand &c : g.cands) {
      bool same = true;
      for (const auto &[k, v] : s)
        if (auto it = c.schedule.find(k); it == c.schedule.end() || it->second != v)
          same = false;
      if (same)
        return &c;
    }
    return nullptr;
  }
  static std::string base(const Cand &c) {
    return c.status.rfind("same:", 0) == 0 ? c.status.substr(5) : c.label;
  }
  const Group &g;
  const std::map<std::string, Outcome> &out;
  std::map<std::string, size_t> used;
};

} // namespace

bool importGpuResults(const std::string &dir, const std::string &resultsPath, Database *db,
                      std::string *report, std::string *err) {
  const std::string mpath = dir + "/manifest.txt";
  const std::string rpath = resultsPath.empty() ? dir + "/results.txt" : resultsPath;
  std::ifstream mf(mpath);
  if (!mf) {
    *err = mpath + ": cannot read (tern-tune --emit-candidates writes it)";
    return false;
  }
  std::string magic, target, version, hash;
  mf >> magic >> target >> version >> hash;
  if (magic != kManifestMagic) {
    *err = mpath + ": not a tern-tune candidates manifest (it starts with " + kManifestMagic + ")";
    return false;
  }
  if (version != ternVersion() || hash != codegenHash()) {
    *err = mpath + ": the candidates were made by tern " + version + " (code generator " + hash +
           "), this is " + ternVersion() + " (" + codegenHash() +
           "): emit them again, their timings would not describe this compiler's kernels";
    return false;
  }
  std::vector<Group> groups;
  std::string line;
  std::getline(mf, line);
  int lineNo = 1;
  while (std::getline(mf, line)) {
    ++lineNo;
    std::istringstream in(line);
    std::string what;
    in >> what;
    bool ok = true;
    if (what == "group") {
      Group g;
      in >> g.name >> g.N >> g.K >> g.T >> g.spaceVersion;
      std::getline(in >> std::ws, g.layout);
      ok = bool(in) || !g.layout.empty();
      ok = ok && g.N > 0 && g.K > 0 && g.T > 0;
      groups.push_back(g);
    } else if (what == "cand" && !groups.empty()) {
      Cand c;
      std::string sw;
      in >> c.label >> c.origin >> c.status >> sw;
      ok = bool(in) && parseScheduleWord(sw, &c.schedule);
      groups.back().cands.push_back(c);
    } else if (what == "why" && !groups.empty() && !groups.back().cands.empty()) {
      std::string label;
      in >> label;
      std::getline(in >> std::ws, groups.back().cands.back().why);
    } else {
      ok = false;
    }
    if (!ok) {
      *err = mpath + ":" + std::to_string(lineNo) + ": cannot read '" + line + "'";
      return false;
    }
  }
  if (groups.empty()) {
    *err = mpath + ": no groups";
    return false;
  }

  std::ifstream rf(rpath);
  if (!rf) {
    *err = rpath + ": cannot read the GPU run's results (tern-gpu-check tune DIR writes them)";
    return false;
  }
  std::getline(rf, line);
  if (line != "TERNGPR1") {
    *err = rpath + ": not tern-gpu-check tune results (the first line must be TERNGPR1)";
    return false;
  }
  Fingerprint gpu;
  {
    std::getline(rf, line);
    std::istringstream in(line);
    std::string word, name;
    int sm = 0, driver = 0;
    in >> word >> sm >> driver;
    std::getline(in >> std::ws, name);
    if (word != "gpu" || sm <= 0 || name.empty()) {
      *err = rpath + ":2: expected 'gpu SM DRIVER NAME', got '" + line + "'";
      return false;
    }
    gpu.set_gpu_name(name);
    gpu.set_gpu_sm(sm);
    gpu.set_gpu_driver(driver);
  }
  std::map<std::string, Outcome> out;
  bool ended = false; // the runner's last line: "end"
  lineNo = 2;
  while (std::getline(rf, line)) {
    ++lineNo;
    std::istringstream in(line);
    std::string label, what;
    in >> label >> what;
    if (label == "end") {
      ended = true;
      continue;
    }
    Outcome &o = out[label];
    if (what == "ok" || what == "wrong" || what == "fail") {
      if (o.status.empty() || what != "ok")
        o.status = what;
      std::getline(in >> std::ws, o.detail);
    } else if (what == "time") {
      size_t round = 0;
      in >> round;
      std::vector<double> t;
      for (double v; in >> v;)
        t.push_back(v);
      if (round > 64 || t.empty() || !in.eof()) {
        *err = rpath + ":" + std::to_string(lineNo) + ": cannot read '" + line + "'";
        return false;
      }
      if (o.rounds.size() <= round)
        o.rounds.resize(round + 1);
      o.rounds[round] = t;
    } else {
      *err = rpath + ":" + std::to_string(lineNo) + ": cannot read '" + line + "'";
      return false;
    }
  }

  if (!ended) {
    *err = rpath + ": truncated (no 'end' line): the GPU run did not finish writing it";
    return false;
  }
  for (const Group &g : groups)
    for (const Cand &c : g.cands)
      if (c.status == "bench" && !out.count(c.label)) {
        *err = rpath + ": has no result for " + c.label + " of " + mpath +
               ": results of other candidates?";
        return false;
      }
  for (const Group &g : groups) {
    // As many final rounds as the GPU ran after the first.
    size_t rounds = 64;
    for (const auto &[label, o] : out)
      if (label.rfind("tune/" + g.name + "/", 0) == 0 && o.status == "ok")
        rounds = std::min(rounds, o.rounds.size());
    if (rounds == 64)
      rounds = 1;
    sched::Space space;
    if (!sched::spaceFor(target, sched::Kind::kTernaryMatmul, {g.N, g.K}, &space, err))
      return false;
    const bool decode = g.T == 1;
    sched::Space sub = sched::subspace(space, decode ? space.decodeKnobs : space.prefillKnobs,
                                       space.defaults());
    ReplayMeasurer m(g, out);
    SearchOptions o;
    o.budgetSeconds = 1e12;
    o.maxGrid = 1 << 20;
    o.rounds = int(rounds) - 1;
    o.finalists = 3;
    // Each replayed measurement costs a fixed tick: no budget ever runs out.
    double tick = 0;
    o.clock = [&tick] { return tick += 1e-6; };
    SearchResult r = search(sub, m, o);
    Key key;
    *key.mutable_hardware() = gpu;
    key.set_tern_version(version);
    key.set_codegen_hash(hash);
    key.set_space_version(g.spaceVersion);
    key.set_target(target);
    key.set_kind("ternary_matmul");
    key.set_n(g.N);
    key.set_k(g.K);
    key.set_layout(g.layout);
    key.set_threads(1);
    key.set_tokens(int32_t(g.T));
    Database one;
    *one.add_records() = toRecord(key, r);
    mergeDb(db, one); // replaces an older record of the same key
    *report += "tern-tune: " + target + " ternary_matmul " + std::to_string(g.N) + "x" +
               std::to_string(g.K) + (decode ? " decode" : " prefill" + std::to_string(g.T)) +
               " on " + gpu.gpu_name() + ": " + r.why + " (" + std::to_string(r.measured) +
               " measured, " + std::to_string(r.tried.size()) + " tried)\n";
  }
  return true;
}

} // namespace tern::tune
