//===- tern-tune.cpp - search kernel schedules on this machine ------------===//
//
//   tern-tune MODEL [--target=host|x86-...|aarch64-...] [--threads N] [--only NxK]
//             [--kind ternary_matmul,matmul,int8_matmul] [--layout i2x2|tl2|...]
//             [--budget 10m] [--prefill-tokens 128] [-o DB] [--schedule-out FILE]
//   tern-tune --show DB [--report FILE.png]
//   tern-tune MODEL --target=sm_80|sm_90|sm_90a --emit-candidates DIR
//   tern-tune --import-results DIR [--results FILE] [-o DB]
//   tern-tune --merge DB... -o DB
//   tern-tune --compare FIRST,SECOND   (stability of a rerun: TuneCompare.h)
//
// Finds every distinct ternary matmul of the model's plan (tern-compile
// --emit=mlir: K, parts, layout, scale mode, residual) and searches its
// target's schedule space (codegen/common/ScheduleSpace.h) in three
// stages: the weight layout (CPU: i2x1..i2x8, tl1, tl2; each candidate
// timed for one token and for --prefill-tokens, judged by decode's time
// plus prefill's per token, since one packed copy serves both; a record of
// 0 tokens; --layout keeps one instead), then decode in that layout (one
// token: gemv_tile_n, prefetch) and prefill (tile_m, tile_n, with decode's
// winner fixed). Attention (CPU) is searched for one token (tile_n: query
// heads per pass over the KV cache). The LM head is searched for
// one token, twice: as the float matmul of its stored type and as the int8
// matmul of --head=int8 (tile_n, prefetch, and isa where the CPU has two). Each candidate runs in a
// child process (`tern-tune --measure-job`) with a timeout derived from the
// default's time; its output is checked bit for bit against the scalar
// formula before its time counts (MatmulJob.h). The search is
// TuneSearch.h's: default first, model-ranked, identical code once,
// finalists interleaved with the default, a winner must beat it beyond the
// spread. Records (TuneRecord.proto, keyed by this machine's fingerprint,
// tern's version and the code generator's hash) are merged into DB after
// each kernel, so Ctrl-C keeps what was measured and a rerun skips kernels
// DB already has. --schedule-out writes the winners as a tern-compile
// --schedule-file. Finally the whole model is compiled with the defaults
// and with the records and timed in interleaved rounds (EndToEnd.h);
// --report draws every candidate (TuneReport.h). Progress on stderr. CPU
// targets run here, on this machine only; GPU targets go through the GPU
// machine in three steps (GpuCandidates.h).
//
//===----------------------------------------------------------------------===//
#include "codegen/common/Jit.h"
#include "codegen/common/ScheduleSpace.h"
#include "codegen/common/TuneDb.h"
#include "codegen/common/TuneBudget.h"
#include "codegen/common/TuneSearch.h"
#include "codegen/cpu/CpuTarget.h"
#include "dialect/TernOps.h"
#include "passes/ScheduleDefaults.h"
#include "codegen/nvptx/GpuTarget.h"
#include "tools/tern-tune/EndToEnd.h"
#include "tools/tern-tune/GpuCandidates.h"
#include "tools/tern-tune/MatmulJob.h"
#include "tools/tern-tune/TuneCompare.h"
#include "tools/tern-tune/TuneReport.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace llvm;
using namespace tern;

/// tern-tune's own options: --help lists these, not LLVM's hundreds.
static cl::OptionCategory tuneCategory("tern-tune options");
static cl::opt<std::string> input(cl::cat(tuneCategory), cl::Positional, cl::desc("<model>"),
                                  cl::init(""));
static cl::opt<std::string> targetName(
    cl::cat(tuneCategory), "target",
    cl::desc("host, a CPU target (x86-64-v3, x86-avx512-vnni, x86-amx, aarch64-...) or a GPU "
             "one (sm_80, sm_90, sm_90a: with --emit-candidates)"),
    cl::init("host"));
// --threads N (a linked library registers its own "threads" option, so
// main() renames it to --tune-threads before parsing).
static cl::opt<std::string>
    threadsText(cl::cat(tuneCategory), "tune-threads",
                cl::desc("threads per kernel call: N, or a list such as 1,2 (--threads)"),
                cl::init("1"));
static cl::opt<std::string> budgetText(cl::cat(tuneCategory), "budget",
                                       cl::desc("search time in all: 90s, 10m"), cl::init("10m"));
static cl::opt<std::string> rotateText(
    cl::cat(tuneCategory), "rotate",
    cl::desc("decode timing: the weight copies rotated through, in bytes (64M, 1G); default: 4x "
             "the last-level cache this machine reports, at least 256M"),
    cl::init(""));
static cl::opt<int> prefillTokens(cl::cat(tuneCategory), "prefill-tokens",
                                  cl::desc("tokens of the prefill bucket"), cl::init(128));
static cl::opt<std::string> output(cl::cat(tuneCategory), "o",
                                   cl::desc("tuning database to merge the records into"),
                                   cl::init(""));
static cl::opt<std::string> scheduleOut(cl::cat(tuneCategory), "schedule-out",
                                        cl::desc("also write the winners as a schedule file"),
                                        cl::init(""));
static cl::opt<std::string> show(cl::cat(tuneCategory), "show",
                                 cl::desc("print a tuning database as text"), cl::init(""));
static cl::list<std::string>
    compare(cl::cat(tuneCategory), "compare",
            cl::desc("A,B: does the second tuning run agree with the first (same schedules, speeds "
                     "within the spread, differences not resolvable)?"),
            cl::CommaSeparated);
static cl::list<std::string> merge(cl::cat(tuneCategory), "merge",
                                   cl::desc("merge tuning databases into -o"), cl::CommaSeparated);
static cl::opt<std::string> measureJob(cl::cat(tuneCategory), "measure-job",
                                       cl::desc("(internal) run one job"), cl::init(""),
                                       cl::Hidden);
static cl::opt<std::string> resultFile(cl::cat(tuneCategory), "result",
                                       cl::desc("(internal) the job's result"), cl::init(""),
                                       cl::Hidden);
static cl::opt<std::string>
    report(cl::cat(tuneCategory), "report",
           cl::desc("draw every candidate against each knob as a PNG (with --show DB: that DB's)"),
           cl::init(""));
static cl::opt<std::string>
    emitCandidates(cl::cat(tuneCategory), "emit-candidates",
                   cl::desc("GPU targets: write every candidate kernel to DIR"), cl::init(""));
static cl::opt<std::string>
    importResults(cl::cat(tuneCategory), "import-results",
                  cl::desc("records from DIR's candidates and tern-gpu-check tune's results"),
                  cl::init(""));
static cl::opt<std::string> resultsFile(cl::cat(tuneCategory), "results",
                                        cl::desc("with --import-results: the results file "
                                                 "(default DIR/results.txt)"),
                                        cl::init(""));
static cl::opt<bool> quiet(cl::cat(tuneCategory), "q", cl::desc("no progress on stderr"),
                           cl::init(false));
static cl::opt<int> confirmRounds(
    cl::cat(tuneCategory), "confirm-rounds",
    cl::desc("interleaved rounds of the end-to-end check, default vs tuned build (0: none)"),
    cl::init(5));
static cl::opt<int> confirmDecode(cl::cat(tuneCategory), "confirm-decode",
                                  cl::desc("tokens decoded per end-to-end round"), cl::init(32));
static cl::opt<std::string> only(cl::cat(tuneCategory), "only",
                                 cl::desc("tune only the kernels of this NxK"), cl::init(""));
static cl::opt<std::string> pinLayout(
    cl::cat(tuneCategory), "layout",
    cl::desc(
        "keep this weight layout (i2lane, i2xR, tl1, tl2; as tern-compile --layout/--interleave) "
        "instead of searching it first"),
    cl::init(""));
static cl::list<std::string>
    kinds(cl::cat(tuneCategory), "kind",
          cl::desc("tune only these kernel kinds: ternary_matmul, matmul (the float head), "
                   "int8_matmul (the --head=int8 head), attention, norm_quantize"),
          cl::CommaSeparated);

namespace {

int fail(const std::string &msg) {
  errs() << "tern-tune: error: " << msg << "\n";
  return 1;
}

/// "10m", "90s", "1h", "45" (seconds).
bool parseBudget(const std::string &s, double *sec) {
  char *end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || v <= 0)
    return false;
  std::string unit(end);
  if (unit.empty() || unit == "s")
    *sec = v;
  else if (unit == "m")
    *sec = v * 60;
  else if (unit == "h")
    *sec = v * 3600;
  else
    return false;
  return true;
}

/// "64M", "1G", "4096" (bytes), "512K".
bool parseBytes(const std::string &s, int64_t *bytes) {
  char *end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || v <= 0)
    return false;
  const std::string unit(end);
  const double mul = unit.empty() ? 1
                     : unit == "K" ? 1024.0
                     : unit == "M" ? 1024.0 * 1024
                     : unit == "G" ? 1024.0 * 1024 * 1024
                                   : 0;
  if (mul == 0)
    return false;
  *bytes = int64_t(v * mul);
  return true;
}

/// One distinct ternary matmul of the plan, or its head.
struct Kernel : tune::MatmulShape {
  std::string layoutText; ///< the record's layout: heads "f16", ..., or "int8"
  int count = 1;          ///< how many of the plan's kernels it stands for
};

/// Tests plant failures: TERN_TUNE_PLANT="K=V&K2=V2:crash,K=V:hang,..."
/// makes the child of every candidate with those knob values crash, hang,
/// corrupt one output ("wrong") or report a hundredth of its time ("fast").
struct Plant {
  sched::Schedule when;
  std::string kind;
};
std::vector<Plant> plants() {
  std::vector<Plant> out;
  const char *env = std::getenv("TERN_TUNE_PLANT");
  std::stringstream all(env ? env : "");
  for (std::string item; std::getline(all, item, ',');) {
    const size_t colon = item.rfind(':');
    if (colon == std::string::npos)
      continue;
    Plant p;
    p.kind = item.substr(colon + 1);
    std::stringstream conds(item.substr(0, colon));
    for (std::string c; std::getline(conds, c, '&');)
      if (size_t eq = c.find('='); eq != std::string::npos)
        p.when[c.substr(0, eq)] = c.substr(eq + 1);
    out.push_back(p);
  }
  return out;
}

/// The rotation pool every child inherits (Rotation.h): a memfd whose
/// pages stay resident from child to child, allocated here once for
/// `bytes` of copies (so that no child's time, which sets the search's
/// pace, includes it); -1 where memfd_create fails (the children then copy
/// into private memory).
static int rotationPool(int64_t bytes) {
  static const int fd = [bytes] {
    const int f = memfd_create("tern-tune-rotation", 0); // inherited: no MFD_CLOEXEC
    const size_t size = size_t(bytes) + 4096;            // Rotation's header page
    if (f >= 0 && bytes > 0 && ftruncate(f, off_t(size)) == 0) {
      void *m = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, f, 0);
      if (m != MAP_FAILED)
        munmap(m, size);
    }
    return f;
  }();
  return fd;
}

/// The clock the budget is counted on: wall seconds since tern-tune
/// started, or, with TERN_TUNE_CHILD_SECONDS=S in the environment (tests),
/// S seconds per child run, so that how far a search gets with a budget
/// does not depend on how busy the machine is. Timeouts stay wall time.
static int64_t childrenRun = 0;
static double childSeconds() {
  static const double perChild = [] {
    const char *env = std::getenv("TERN_TUNE_CHILD_SECONDS");
    return env ? std::max(0.0, std::atof(env)) : 0.0;
  }();
  return perChild;
}
static double budgetClock(std::chrono::steady_clock::time_point start) {
  if (const double perChild = childSeconds(); perChild > 0)
    return perChild * double(childrenRun);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Measures schedules of one kernel and bucket in child processes.
class ChildMeasurer : public tune::Measurer {
public:
  ChildMeasurer(tune::MatmulJob base, std::string self, std::string dir, std::string what,
                int64_t vectorBytes)
      : base(std::move(base)), self(std::move(self)), dir(std::move(dir)), what(std::move(what)),
        vectorBytes(vectorBytes) {}

  tune::Measurement measure(const sched::Schedule &s, double timeout) override {
    tune::MatmulJob j;
    const std::string jobPath = dir + "/job", resPath = dir + "/result";
    std::remove(resPath.c_str());
    tune::Measurement m;
    std::string err;
    if (!job(s, &j, &err) || !tune::writeJob(j, jobPath, &err)) {
      m.failure = tune::Failure::kCompile;
      m.detail = err;
      return m;
    }
    // The search's timeout is 4x the default's kernel time; a child also
    // compiles the kernel and checks it against the scalar formula, so the
    // bound is that plus 4x the default child's whole run. The default
    // itself gets ten minutes.
    const double bound = timeout > 0 ? timeout + 4 * defaultWall : 600.0;
    const unsigned secs = unsigned(std::max(1.0, bound) + 0.999);
    const auto began = std::chrono::steady_clock::now();
    std::string errMsg;
    bool execFailed = false;
    const std::optional<StringRef> redirects[] = {std::nullopt, StringRef(""), StringRef("")};
    int rc = sys::ExecuteAndWait(self, {self, "--measure-job", jobPath, "--result", resPath},
                                 std::nullopt, redirects, secs, 0, &errMsg, &execFailed);
    ++count;
    ++childrenRun;
    if (defaultWall == 0)
      defaultWall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    if (rc != 0) {
      m.failure = errMsg.find("timed out") != std::string::npos ? tune::Failure::kTimeout
                                                               : tune::Failure::kCrash;
      m.detail = errMsg.empty() ? "exit " + std::to_string(rc) : errMsg;
      progress(s, "failed: " + std::string(tune::failureName(m.failure)));
      return m;
    }
    std::ifstream f(resPath);
    std::string word;
    f >> word;
    if (word == "ok") {
      for (double v; f >> v;)
        m.seconds.push_back(v);
      progress(s, std::to_string(tune::spreadOf(m.seconds).median * 1e6) + " us");
    } else {
      std::string rest;
      std::getline(f, rest);
      m.failure = word == "wrong" ? tune::Failure::kWrongResult : tune::Failure::kCompile;
      m.detail = word + rest;
      progress(s, "failed: " + m.detail);
    }
    return m;
  }

  std::string codeKey(const sched::Schedule &s) override {
    tune::MatmulJob j;
    std::string err;
    if (!job(s, &j, &err))
      return "";
    std::string text = tune::kernelText(j);
    return text.empty() ? "" : std::to_string(xxh3_64bits(text));
  }

  int count = 0;
  double defaultWall = 0; ///< the first (default) child's whole run, seconds
  bool silent = false;    ///< no progress lines (the pilot's)

private:
  /// The base job under `s`; a `layout` knob repacks its weights (the
  /// block from K and the target's vector width, as tern-compile packs).
  bool job(const sched::Schedule &s, tune::MatmulJob *out, std::string *err) const {
    tune::MatmulJob j = base;
    j.poolFd = j.rotateBytes > 0 ? rotationPool(j.rotateBytes) : -1;
    for (const auto &[k, v] : s)
      j.schedule[k] = v;
    if (auto it = s.find("layout"); it != s.end() && !it->second.empty() &&
        !ref::layoutFromName(it->second, j.K, vectorBytes, 0, &j.layout, err))
      return false;
    static const std::vector<Plant> planted = plants();
    for (const Plant &p : planted) {
      bool all = true;
      for (const auto &[k, v] : p.when)
        all &= s.count(k) && s.at(k) == v;
      if (all)
        j.plant = p.kind;
    }
    *out = j;
    return true;
  }
  void progress(const sched::Schedule &s, const std::string &how) {
    if (quiet || silent)
      return;
    errs() << "tern-tune: " << what << " candidate " << count << " " << tune::showSchedule(s)
           << ": " << how << "\n";
  }

  tune::MatmulJob base;
  std::string self, dir, what;
  int64_t vectorBytes;
};

/// The layout stage: a layout serves decode and prefill alike, so each
/// candidate runs both (with the other knobs at their defaults) and counts
/// decode's time plus prefill's per token (as many generated tokens as
/// prompt tokens), sample by sample. A layout slower than the default's in
/// either, beyond the spread and by more than a tenth, is rejected: decode dominates that sum, and
/// on 2b4t tl2 won it while the whole model's prefill fell to 0.55x.
class LayoutMeasurer : public tune::Measurer {
public:
  LayoutMeasurer(ChildMeasurer &decode, ChildMeasurer &prefill, int64_t tokens)
      : decode(decode), prefill(prefill), tokens(tokens) {}

  tune::Measurement measure(const sched::Schedule &s, double timeout) override {
    tune::Measurement d = decode.measure(s, timeout);
    if (d.failure != tune::Failure::kNone)
      return d;
    tune::Measurement p = prefill.measure(s, timeout > 0 ? timeout * double(tokens) : 0);
    if (p.failure != tune::Failure::kNone)
      return p;
    if (first) { // the default (measured first; its rounds later are never judged)
      first = false;
      defaultSchedule = s;
      base[0] = tune::spreadOf(d.seconds);
      base[1] = tune::spreadOf(p.seconds);
    } else if (s != defaultSchedule) {
      // Beyond the spread and by more than a tenth: the default's times were
      // taken at another moment, and a machine drifts by a few percent.
      const tune::Spread got[2] = {tune::spreadOf(d.seconds), tune::spreadOf(p.seconds)};
      for (int b = 0; b < 2; ++b)
        if (got[b].p20 > base[b].p80 * 1.1) {
          tune::Measurement r;
          r.failure = tune::Failure::kRejected;
          std::ostringstream why;
          why << (b == 0 ? "decode" : "prefill") << " " << got[b].median * 1e6 << " us is "
              << got[b].median / base[b].median << "x the default layout's "
              << base[b].median * 1e6
              << " us, beyond the spread: a layout may not lose either";
          r.detail = why.str();
          if (!quiet)
            errs() << "tern-tune: " << tune::showSchedule(s) << " rejected: " << r.detail
                   << "\n";
          return r;
        }
    }
    tune::Measurement m;
    for (size_t i = 0; i < d.seconds.size() && i < p.seconds.size(); ++i)
      m.seconds.push_back(d.seconds[i] + p.seconds[i] / double(tokens));
    return m;
  }
  std::string codeKey(const sched::Schedule &s) override {
    const std::string a = decode.codeKey(s), b = prefill.codeKey(s);
    return a.empty() || b.empty() ? "" : a + "+" + b;
  }

private:
  ChildMeasurer &decode, &prefill;
  int64_t tokens;
  bool first = true;
  sched::Schedule defaultSchedule;
  tune::Spread base[2]; ///< the default's decode and prefill
};


bool drawReport(const tune::Database &db) {
  int panels = 0;
  std::string err;
  if (!tune::writeTuneReport(db, report, &panels, &err)) {
    fail(err);
    return false;
  }
  errs() << "tern-tune: drew " << panels << " panels of " << db.records_size() << " records to "
         << report << "\n";
  return true;
}

} // namespace

int main(int argc, char **argv) {
  // --budget counts from here: finding the kernels (a compile) included.
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> args(argv, argv + argc);
  for (std::string &a : args)
    if (a == "--threads" || a == "-threads" || a == "-t")
      a = "--tune-threads";
    else if (a.rfind("--threads=", 0) == 0)
      a = "--tune-threads=" + a.substr(10);
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  cl::HideUnrelatedOptions(tuneCategory);
  cl::ParseCommandLineOptions(int(cargs.size()), cargs.data(),
                              "tern-tune: search kernel schedules on this machine\n");

  if (!measureJob.empty()) { // the child
    tune::MatmulJob j;
    std::string err;
    if (!tune::readJob(measureJob, &j, &err))
      return fail(err);
    return tune::runJob(j, resultFile);
  }
  std::string err;
  if (!show.empty()) {
    tune::Database db;
    if (!tune::readDb(show, &db, &err))
      return fail(err);
    if (!report.empty())
      return drawReport(db) ? 0 : 1;
    outs() << tune::showDb(db);
    return 0;
  }
  if (!compare.empty()) {
    if (compare.size() != 2)
      return fail("--compare takes two databases: --compare FIRST,SECOND");
    tune::Database a, b;
    if (!tune::readDb(compare[0], &a, &err) || !tune::readDb(compare[1], &b, &err))
      return fail(err);
    tune::CompareSummary sum;
    outs() << tune::compareDbs(a, b, &sum);
    return 0;
  }
  if (!merge.empty()) {
    if (output.empty())
      return fail("--merge needs -o OUT");
    tune::Database all;
    size_t replaced = 0;
    for (const std::string &p : merge) {
      tune::Database db;
      if (!tune::readDb(p, &db, &err))
        return fail(err);
      replaced += tune::mergeDb(&all, db);
    }
    if (!tune::writeDb(output, all, &err))
      return fail(err);
    errs() << "tern-tune: merged " << merge.size() << " databases into " << output << ": "
           << all.records_size() << " records (" << replaced << " replaced by later ones)\n";
    return 0;
  }
  if (!importResults.empty()) {
    const std::string dbPath = output.empty() ? tune::defaultTuneDbPath() : output.getValue();
    tune::Database db;
    if (sys::fs::exists(dbPath) && !tune::readDb(dbPath, &db, &err))
      return fail(err + " (delete it or give another -o)");
    std::string lines;
    if (!tune::importGpuResults(importResults, resultsFile, &db, &lines, &err))
      return fail(err);
    sys::fs::create_directories(sys::path::parent_path(dbPath));
    if (!tune::writeDb(dbPath, db, &err))
      return fail(err);
    errs() << lines << "tern-tune: " << dbPath << " now holds " << db.records_size()
           << " records\n";
    if (!report.empty() && !drawReport(db))
      return 1;
    return 0;
  }
  if (input.empty())
    return fail("no model given (tern-tune MODEL, --show DB or --merge A,B -o C)");
  double budget = 0;
  if (!parseBudget(budgetText, &budget))
    return fail("--budget " + budgetText + ": expected seconds, or a number with s, m or h");
  int64_t rotateBytes = 0; // 0: from the cache size
  if (!rotateText.empty() && !parseBytes(rotateText, &rotateBytes))
    return fail("--rotate " + rotateText + ": expected bytes, or a number with K, M or G");
  std::vector<int> threadList;
  {
    std::stringstream in(threadsText);
    for (std::string t; std::getline(in, t, ',');) {
      char *end = nullptr;
      const long v = std::strtol(t.c_str(), &end, 10);
      if (t.empty() || *end || v < 1 || v > 1024)
        return fail("--threads " + threadsText + ": expected a thread count or a list such as 1,2");
      threadList.push_back(int(v));
    }
    std::sort(threadList.begin(), threadList.end());
    threadList.erase(std::unique(threadList.begin(), threadList.end()), threadList.end());
  }
  if (threadList.empty() || prefillTokens < 2)
    return fail("--threads must be >= 1 and --prefill-tokens >= 2");

  // The target: this machine's CPU, or a GPU whose candidates go to the
  // GPU machine (--emit-candidates).
  const bool gpu = nvptx::isGpuTargetName(targetName);
  cpu::CpuTarget target;
  std::string family = targetName;
  if (gpu) {
    if (emitCandidates.empty())
      return fail("--target=" + targetName + " is a GPU: tern-tune cannot run its kernels here; "
                  "write them with --emit-candidates DIR, time them with tern-gpu-check tune DIR "
                  "on the GPU machine, and bring them back with --import-results DIR");
  } else {
    if (!emitCandidates.empty())
      return fail("--emit-candidates is for GPU targets (--target=sm_80, sm_90, sm_90a)");
    if (!cpu::resolveCpuTarget(targetName, &target, &err))
      return fail(err);
    const std::string host = mlir::tern::detectHostTarget();
    family = targetName == "host" ? host : targetName.getValue();
    // An x86 host runs the x86 families below its own.
    const bool below = (host == "x86-avx512-vnni" && family == "x86-64-v3") ||
                       (host == "x86-amx" &&
                        (family == "x86-64-v3" || family == "x86-avx512-vnni"));
    if (family != host && !below && family != "generic")
      return fail("--target=" + family + " does not run on this machine (" + host +
                  "): tune on the machine itself");
  }

  std::vector<std::string> layoutFlags;
  if (!pinLayout.empty()) {
    if (!ref::isLayoutName(pinLayout))
      return fail("--layout " + pinLayout + ": expected i2xR (R rows interleaved), i2lane, tl1 or tl2");
    if (gpu)
      return fail("--layout is for CPU targets (a GPU target packs i2x8)");
    if (pinLayout[0] == 't' || pinLayout == "i2lane")
      layoutFlags = {"--layout=" + pinLayout};
    else
      layoutFlags = {"--layout=i2", "--interleave=" + pinLayout.substr(3)};
  }
  for (const std::string &name : kinds) {
    sched::Kind kind;
    if (!sched::kindFromName(name, &kind) || name == "bitlinear")
      return fail("--kind " + name + ": expected one of ternary_matmul, matmul, int8_matmul, "
                  "attention, norm_quantize");
  }
  auto wanted = [&](sched::Kind kind) {
    return kinds.empty() || llvm::is_contained(kinds, std::string(sched::kindName(kind)));
  };

  // The plan's ternary matmuls, from the scheduled graph.
  const std::string self = sys::fs::getMainExecutable(argv[0], (void *)&fail);
  SmallString<256> compiler(sys::path::parent_path(self));
  sys::path::append(compiler, "tern-compile");
  SmallString<128> dir;
  if (std::error_code ec = sys::fs::createUniqueDirectory("tern-tune", dir))
    return fail("cannot make a temporary folder: " + ec.message());
  const std::string graphPath = (dir + "/graph.mlir").str();
  std::string compileErr;
  const std::string targetArg = "--target=" + family; // outlives the StringRefs
  std::vector<StringRef> compileArgs = {compiler, input, targetArg, "--emit=mlir",
                                        "--tune-db=none", "-q", "-o", graphPath};
  const std::string targetFlag = "--target=" + family;
  compileArgs[2] = targetFlag;
  for (const std::string &f : layoutFlags)
    compileArgs.push_back(f);
  int rc = sys::ExecuteAndWait(compiler, compileArgs, std::nullopt, {}, 600, 0, &compileErr);
  if (rc != 0)
    return fail(input + ": tern-compile could not build the graph" +
                (compileErr.empty() ? "" : ": " + compileErr));
  mlir::DialectRegistry registry;
  mlir::tern::registerJitDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  mlir::OwningOpRef<mlir::ModuleOp> graph = mlir::parseSourceFile<mlir::ModuleOp>(graphPath, &ctx);
  if (!graph)
    return fail(graphPath + ": cannot parse the scheduled graph");
  std::vector<Kernel> kernels;
  graph->walk([&](mlir::tern::TernaryMatmulOp mm) {
    Kernel k;
    auto in = mlir::cast<mlir::RankedTensorType>(mm.getInput().getType());
    k.K = in.getShape()[1];
    for (int64_t n : mm.getPartsAttr().asArrayRef())
      k.parts.push_back(n);
    auto w = mlir::dyn_cast<mlir::tern::TernaryType>(mm.getWeights()[0].getType());
    if (!w)
      return;
    k.layout = w.getLayout().toRuntime();
    llvm::raw_string_ostream os(k.layoutText);
    os << mlir::Attribute(w.getLayout());
    k.divide = mm.getScaleMode() == mlir::tern::ScaleMode::divide;
    if (!only.empty() && only != std::to_string(k.rows()) + "x" + std::to_string(k.K))
      return;
    k.residual = bool(mm.getResidual());
    if (!wanted(k.kind))
      return;
    for (Kernel &o : kernels)
      if (o.K == k.K && o.parts == k.parts && o.layoutText == k.layoutText &&
          o.divide == k.divide && o.residual == k.residual)
        return void(++o.count);
    kernels.push_back(k);
  });
  // The head, as the float matmul of its stored type and as the int8 one.
  graph->walk([&](mlir::tern::MatmulOp h) {
    auto w = mlir::cast<mlir::RankedTensorType>(h.getWeight().getType());
    Kernel k;
    k.N = w.getShape()[0];
    k.K = w.getShape()[1];
    llvm::raw_string_ostream os(k.layoutText);
    os << w.getElementType();
    if (gpu || !tune::floatTypeFromName(k.layoutText, &k.elem) ||
        (!only.empty() && only != std::to_string(k.N) + "x" + std::to_string(k.K)))
      return;
    k.kind = sched::Kind::kFloatMatmul;
    if (wanted(k.kind))
      kernels.push_back(k);
    if (k.K % 16 == 0 && wanted(sched::Kind::kInt8Matmul)) { // what --head=int8 takes
      k.kind = sched::Kind::kInt8Matmul;
      k.layoutText = "int8";
      kernels.push_back(k);
    }
  });
  // Attention (CPU), once per shape: n = query heads, k = KV heads.
  graph->walk([&](mlir::tern::AttentionOp a) {
    Kernel k;
    k.kind = sched::Kind::kAttention;
    k.N = a.getNumHeads();
    k.K = a.getNumKvHeads();
    k.headDim = a.getHeadDim();
    k.context = mlir::cast<mlir::RankedTensorType>(a.getKCache().getType()).getShape()[0];
    k.layoutText = sched::attentionLayoutKey(k.headDim);
    if (gpu || !wanted(k.kind) ||
        (!only.empty() && only != std::to_string(k.N) + "x" + std::to_string(k.K)))
      return;
    for (Kernel &o : kernels)
      if (o.kind == k.kind && o.N == k.N && o.K == k.K && o.headDim == k.headDim &&
          o.context == k.context)
        return void(++o.count);
    kernels.push_back(k);
  });
  // The fused norms + quantize (CPU), once per row length, weight type,
  // gating and epsilon: n = 1, k = the row length.
  graph->walk([&](mlir::tern::NormQuantizeOp nq) {
    Kernel k;
    k.kind = sched::Kind::kNormQuantize;
    k.N = 1;
    k.K = mlir::cast<mlir::RankedTensorType>(nq.getInput().getType()).getShape()[1];
    std::string type;
    llvm::raw_string_ostream os(type);
    if (nq.getWeight())
      os << mlir::cast<mlir::RankedTensorType>(nq.getWeight().getType()).getElementType();
    k.gated = bool(nq.getUp());
    k.silu = nq.getActivation() == mlir::tern::Activation::silu;
    k.norm = bool(nq.getWeight());
    k.epsilon = nq.getEpsilon().convertToFloat();
    k.layoutText = sched::normQuantizeLayoutKey(type, k.gated, k.silu);
    if (gpu || !wanted(k.kind) || (k.norm && !tune::floatTypeFromName(type, &k.elem)) ||
        (!only.empty() && only != "1x" + std::to_string(k.K)))
      return;
    for (Kernel &o : kernels)
      if (o.kind == k.kind && o.K == k.K && o.elem == k.elem && o.gated == k.gated &&
          o.silu == k.silu && o.norm == k.norm &&
          o.epsilon == k.epsilon)
        return void(++o.count);
    kernels.push_back(k);
  });
  if (kernels.empty())
    return fail(input + ": the plan has no kernel to tune" +
                (only.empty() ? "" : " of shape " + only.getValue()) +
                (kinds.empty() ? "" : " of the kinds given to --kind"));
  if (gpu) {
    std::vector<tune::GpuMatmul> mms;
    for (const Kernel &k : kernels)
      mms.push_back({k.rows(), k.K, k.layout, k.layoutText});
    std::string summary;
    if (!tune::emitGpuCandidates(family, mms, prefillTokens, emitCandidates, &summary, &err))
      return fail(err);
    sys::fs::remove_directories(dir);
    errs() << "tern-tune: wrote " << summary << "\n"
           << "tern-tune: next, on the GPU machine: tern-gpu-check tune " << emitCandidates
           << "; then here: tern-tune --import-results " << emitCandidates << " -o DB\n";
    return 0;
  }

  const std::string dbPath = output.empty() ? tune::defaultTuneDbPath() : output.getValue();
  sys::fs::create_directories(sys::path::parent_path(dbPath));
  tune::Database db;
  if (sys::fs::exists(dbPath) && !tune::readDb(dbPath, &db, &err))
    return fail(err + " (delete it or give another -o)");
  const tune::Fingerprint hw = tune::hostFingerprint();
  const int64_t llc = std::max<int64_t>(hw.l3_bytes(), hw.l2_bytes());
  // The end-to-end check gets a quarter of the budget (at least 3 rounds,
  // and a tuned build per thread count): with a sixth, the default 10-minute
  // run on 2b4t took 10:30.
  const double searchBudget = confirmRounds > 0 ? budget * 3 / 4 : budget;
  size_t heads = 0, attentions = 0, norms = 0;
  for (const Kernel &k : kernels) {
    heads += k.kind == sched::Kind::kFloatMatmul || k.kind == sched::Kind::kInt8Matmul;
    attentions += k.kind == sched::Kind::kAttention;
    norms += k.kind == sched::Kind::kNormQuantize;
  }
  std::string threadsShown;
  for (int t : threadList)
    threadsShown += (threadsShown.empty() ? "" : ", ") + std::to_string(t);
  errs() << "tern-tune: " << kernels.size() - heads - attentions - norms << " ternary matmuls, "
         << heads << " heads, " << attentions << " attention" << (attentions == 1 ? "" : "s")
         << " and " << norms << " norm" << (norms == 1 ? "" : "s")
         << " on " << family << " ("
         << hw.cpu_name() << ", " << threadsShown << " thread"
         << (threadList.size() > 1 || threadList[0] > 1 ? "s" : "") << "), budget " << int(budget)
         << " s, " << dbPath << "\n";

  // Decode streams weights from memory: rotate them through 4x the
  // last-level cache sysfs reports, and at least 256 MiB (a VM may report
  // less cache than its host has).
  const int64_t rotate =
      rotateBytes > 0 ? rotateBytes : std::max<int64_t>(4 * llc, int64_t(256) << 20);
  auto baseJob = [&](const Kernel &k, int64_t tokens, int threads) {
    tune::MatmulJob job;
    job.target = family;
    static_cast<tune::MatmulShape &>(job) = k;
    job.tokens = tokens;
    job.threads = threads;
    job.rotateBytes = tokens == 1 ? rotate : 0;
    if (job.rotateBytes > 0)
      rotationPool(rotate); // allocated before any search's clock runs
    return job;
  };

  // The buckets: per kernel and thread count, its layout stage (decode and
  // prefill timed together), decode and prefill, where its space has knobs
  // for them. How the search budget is shared among them comes from a
  // pilot: each kernel's default, run once per token count at the first
  // thread count, gives what one child costs (its wall time) and what the
  // kernel takes (its part of the model's decode or prefill time, times the
  // kernels it stands for); tune::fundBuckets shares the budget by them.
  constexpr double kMinChildren = 9;
  struct Pilot {
    double wall[2] = {0, 0}, kernel[2] = {0, 0}; // decode, prefill
  };
  std::vector<Pilot> pilot(kernels.size());
  std::vector<sched::Space> spaces(kernels.size());
  auto hasBucket = [&](size_t i, int bucket) {
    const sched::Space &sp = spaces[i];
    const bool layoutStage = !sp.layoutKnobs.empty() && pinLayout.empty();
    return bucket == -1 ? layoutStage
           : bucket == 0 ? !sp.decodeKnobs.empty() || layoutStage
                         : !sp.prefillKnobs.empty() || layoutStage;
  };
  auto searched = [&](size_t i, int bucket) { // a bucket the search itself runs
    const sched::Space &sp = spaces[i];
    return bucket == -1 ? hasBucket(i, -1)
                        : !(bucket == 0 ? sp.decodeKnobs : sp.prefillKnobs).empty();
  };
  // A record's key: this machine, this compiler, the space's version, the
  // kernel, its layout ("" for the layout stage, which chooses it).
  auto keyOf = [&](const Kernel &k, const sched::Space &space, int64_t tokens, int threads,
                   const std::string &layout) {
    tune::Key key;
    *key.mutable_hardware() = hw;
    key.set_tern_version(tune::ternVersion());
    key.set_codegen_hash(tune::codegenHash());
    key.set_space_version(space.version);
    key.set_target(family);
    key.set_kind(sched::kindName(k.kind));
    key.set_n(k.rows());
    key.set_k(k.K);
    key.set_layout(layout);
    key.set_threads(threads);
    key.set_tokens(int32_t(tokens));
    return key;
  };
  // Whether a rerun keeps bucket b of kernel i (the search resumes records
  // of the same key, tune::sameKey). Its layout is the layout stage's
  // choice, not known yet where there is one: any layout matches then.
  auto inDb = [&](size_t i, int64_t tokens, int threads) {
    const tune::Key mine = keyOf(kernels[i], spaces[i], tokens, threads, kernels[i].layoutText);
    for (const tune::Record &r : db.records()) {
      tune::Key theirs = r.key();
      if (hasBucket(i, -1))
        theirs.set_layout(mine.layout());
      if (tune::sameKey(theirs, mine))
        return true;
    }
    return false;
  };
  size_t pilots = 0;
  for (size_t i = 0; i < kernels.size(); ++i) {
    if (!sched::spaceFor(family, kernels[i].kind, {kernels[i].rows(), kernels[i].K}, &spaces[i],
                         &err))
      return fail(err);
    for (int b = 0; b < 2; ++b) {
      const int64_t tokens = b == 0 ? 1 : prefillTokens;
      if (!hasBucket(i, b) || inDb(i, tokens, threadList[0]))
        continue;
      tune::MatmulJob job = baseJob(kernels[i], tokens, threadList[0]);
      sched::Schedule defaults = spaces[i].defaults();
      if (spaces[i].knob("layout"))
        defaults["layout"] = ref::layoutName(kernels[i].layout);
      ChildMeasurer cm(job, self, dir.str().str(), "pilot", target.vector_bytes);
      cm.silent = true;
      const tune::Measurement m = cm.measure(defaults, 0);
      pilot[i].wall[b] = childSeconds() > 0 ? childSeconds() : cm.defaultWall; // on the budget's clock
      if (m.failure == tune::Failure::kNone && !m.seconds.empty())
        pilot[i].kernel[b] = tune::spreadOf(m.seconds).median;
      ++pilots;
    }
  }
  double modelTime[2] = {0, 0};
  for (size_t i = 0; i < kernels.size(); ++i)
    for (int b = 0; b < 2; ++b)
      modelTime[b] += kernels[i].count * pilot[i].kernel[b];
  // Each bucket's child cost and part of the model's time (a layout stage:
  // both, half each).
  auto costOf = [&](size_t i, int bucket) {
    return bucket == -1 ? pilot[i].wall[0] + pilot[i].wall[1] : pilot[i].wall[bucket];
  };
  auto partOf = [&](size_t i, int bucket) {
    auto part = [&](int b) {
      return modelTime[b] > 0 ? kernels[i].count * pilot[i].kernel[b] / modelTime[b] : 0.0;
    };
    return bucket == -1 ? (part(0) + part(1)) / 2 : part(bucket);
  };
  // Funded by their part of the model's time (codegen/common/TuneBudget.h).
  const double afterPilot = std::max(0.0, searchBudget - budgetClock(start));
  const double nThreads = double(threadList.size());
  std::vector<std::pair<size_t, int>> buckets;
  std::vector<tune::BucketCost> costs;
  for (size_t i = 0; i < kernels.size(); ++i)
    for (int b = -1; b < 2; ++b)
      if (searched(i, b)) {
        buckets.push_back({i, b});
        costs.push_back({costOf(i, b), partOf(i, b)});
      }
  const tune::Funding funding =
      tune::fundBuckets(costs, afterPilot, nThreads, kMinChildren, pilots > 0);
  std::map<std::pair<size_t, int>, double> weights;
  for (size_t j = 0; j < buckets.size(); ++j)
    weights[buckets[j]] = funding.weights[j];
  auto weightOf = [&](size_t i, int bucket) { return weights[{i, bucket}]; };
  double weightLeft = 0;
  for (const auto &[ib, w] : weights)
    weightLeft += w * nThreads;
  if (pilots > 0 && !quiet)
    errs() << "tern-tune: pilot: " << pilots << " default" << (pilots == 1 ? "" : "s")
           << " run in " << int(budgetClock(start)) << " s; the search's " << int(afterPilot)
           << " s fund " << funding.fundedCount << " of " << buckets.size() << " buckets"
           << (threadList.size() > 1 ? " per thread count" : "") << " (" << int(kMinChildren)
           << " children each, the rest by their part of the model's time)\n";

  // This run's records (made or kept): the end-to-end check may revert them.
  std::vector<tune::Key> runKeys;
  size_t done = 0;
  const size_t total = kernels.size() * threadList.size();
  for (int threads : threadList) {
    for (size_t i = 0; i < kernels.size(); ++i) {
      Kernel k = kernels[i]; // its layout follows the layout stage's choice
      const sched::Space &space = spaces[i];
      sched::Schedule chosen = space.defaults();
      if (space.knob("layout")) // the plan's (the default, or --layout's) until chosen
        chosen["layout"] = ref::layoutName(k.layout);
      // Bucket -1 chooses the weight layout (decode and prefill read the
      // same packed copy), 0 searches decode's knobs in it, 1 prefill's.
      for (int bucket = -1; bucket < 2; ++bucket) {
        const int64_t tokens = bucket == -1 ? 0 : bucket == 0 ? 1 : prefillTokens;
        const std::vector<std::string> &names =
            bucket == -1 ? space.layoutKnobs : bucket == 0 ? space.decodeKnobs : space.prefillKnobs;
        if (names.empty() || (bucket == -1 && !pinLayout.empty()))
          continue; // the heads: one token only; no layout knob, or --layout
        // Its weight's part of what is left (the time an earlier bucket
        // did not use goes to the ones after it).
        const double w = weightOf(i, bucket);
        const double share =
            std::max(0.0, searchBudget - budgetClock(start)) * w / std::max(weightLeft, w);
        weightLeft = std::max(0.0, weightLeft - w);
        const tune::Key key = keyOf(k, space, tokens, threads,
                                    bucket == -1 ? "" : k.layoutText); // the stage chooses it
        const std::string shapeName = "[" + std::to_string(i + 1) + "/" +
                                      std::to_string(kernels.size()) + "] " +
                                      sched::kindName(k.kind) + " " + std::to_string(k.rows()) +
                                      "x" + std::to_string(k.K);
        const std::string threadsName =
            threadList.size() > 1 ? " threads " + std::to_string(threads) : "";
        std::string what = shapeName +
                           (bucket == -1  ? " layout"
                            : bucket == 0 ? " decode"
                                          : " prefill" + std::to_string(tokens)) +
                           threadsName;
        const tune::Record *have = nullptr;
        for (const tune::Record &r : db.records())
          if (tune::sameKey(r.key(), key))
            have = &r;
        runKeys.push_back(key);
        // After the layout stage, the kernel is the chosen layout's.
        auto relayout = [&]() -> bool {
          auto it = chosen.find("layout");
          if (bucket != -1 || it == chosen.end() || it->second.empty())
            return true;
          if (!ref::layoutFromName(it->second, k.K, target.vector_bytes, 0, &k.layout, &err))
            return false;
          k.layoutText.clear();
          llvm::raw_string_ostream os(k.layoutText);
          os << mlir::Attribute(mlir::tern::LayoutAttr::get(
              &ctx, k.layout.bits, k.layout.pack_dim, k.layout.block, k.layout.interleave,
              k.layout.chunk, k.layout.lut));
          return true;
        };
        if (have) { // a rerun resumes
          for (const std::string &n : names)
            if (auto it = have->chosen().find(n); it != have->chosen().end())
              chosen[n] = it->second;
          errs() << "tern-tune: " << what << ": already in " << dbPath << " (kept)\n";
          if (!relayout())
            return fail(what + ": " + err);
          continue;
        }
        tune::MatmulJob job = baseJob(k, tokens == 0 ? 1 : tokens, threads);
        job.tokens = tokens;
        job.rotateBytes = bucket == 0 ? rotate : 0;
        job.schedule = chosen;
        ChildMeasurer m(job, self, dir.str().str(), what, target.vector_bytes);
        // The layout stage times each candidate's decode and prefill.
        tune::MatmulJob decodeJob = job, prefillJob = job;
        decodeJob.tokens = 1;
        decodeJob.rotateBytes = rotate;
        prefillJob.tokens = prefillTokens;
        ChildMeasurer dm(decodeJob, self, dir.str().str(), shapeName + " layout (decode)" + threadsName,
                         target.vector_bytes);
        ChildMeasurer pm(prefillJob, self, dir.str().str(),
                         shapeName + " layout (prefill" + std::to_string(prefillTokens) + ")" +
                             threadsName,
                         target.vector_bytes);
        LayoutMeasurer lm(dm, pm, prefillTokens);
        tune::SearchOptions o;
        o.budgetSeconds = share;
        o.clock = [&] { return budgetClock(start); };
        o.model = [&](const sched::Schedule &s) {
          // Decode: one interleave group per tile first, then fewer prefetch
          // streams; prefill: more reuse (tile_m x tile_n) while the
          // accumulators fit the registers.
          auto num = [&](const char *n) {
            auto it = s.find(n);
            return it == s.end() || it->second.empty() ||
                           it->second.find_first_not_of("0123456789") != std::string::npos
                       ? 0.0
                       : std::stod(it->second);
          };
          if (bucket == -1) {
            // Bits per weight read, plus a quarter for the lookup tables'
            // extra pass over the activations, plus less for longer
            // contiguous runs (more rows interleaved): tl2, i2lane (one
            // vector of rows per step, no horizontal sums), i2x8, i2x4,
            // i2x2, i2x1, tl1.
            const std::string l = s.count("layout") ? s.at("layout") : "";
            if (l == "i2lane")
              return 2.0;
            if (l == "tl2")
              return 1.67 + 0.25;
            if (l == "tl1")
              return 2.0 + 0.25;
            return 2.0 + 0.2 / std::max(1.0, l.size() > 3 ? std::atof(l.c_str() + 3) : 1.0);
          }
          if (k.kind == sched::Kind::kAttention) // more heads per pass read the cache less
            return -num("tile_n");
          if (k.kind == sched::Kind::kNormQuantize) // more independent chains first
            return -num("unroll") - num("tile_m");
          if (k.kind != sched::Kind::kTernaryMatmul) // heads: one stream first
            return num("tile_n") * 0.1 + num("prefetch") * 0.01 +
                   (s.count("isa") && s.at("isa") != space.knob("isa")->def ? 0.05 : 0.0);
          if (bucket == 0)
            return std::abs(num("gemv_tile_n") - 0.0) * 0.1 + num("prefetch") * 0.01;
          const double tiles = num("tile_m") * num("tile_n");
          const double regs = target.vector_bytes >= 64 ? 32 : 16;
          return tiles + num("tile_n") > regs ? 100.0 : 1.0 / std::max(tiles, 1.0);
        };
        tune::Measurer &measurer = bucket == -1 ? static_cast<tune::Measurer &>(lm) : m;
        tune::SearchResult r = tune::search(sched::subspace(space, names, chosen), measurer, o);
        for (const std::string &n : names)
          if (auto it = r.best.find(n); it != r.best.end())
            chosen[n] = it->second;
        if (!relayout())
          return fail(what + ": " + err);
        errs() << "tern-tune: " << what << ": " << r.why << " (" << r.measured << " measured, "
               << r.tried.size() << " tried)\n";
        *db.add_records() = tune::toRecord(key, r);
        if (!tune::writeDb(dbPath, db, &err))
          return fail(err);
      }
      const double took =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ++done;
      errs() << "tern-tune: " << done << "/" << total << " kernels done in " << int(took)
             << " s, ETA " << int(took / double(done) * double(total - done)) << " s\n";
    }
  }
  for (size_t ti = 0; confirmRounds > 0 && ti < threadList.size(); ++ti) {
    const int threads = threadList[ti];
    tune::EndToEndOptions e;
    e.compiler = compiler.str().str();
    e.model = input;
    e.target = family;
    e.tuneDb = dbPath;
    e.dir = dir.str().str();
    e.threads = threads;
    e.prefillTokens = prefillTokens;
    e.decodeTokens = confirmDecode;
    e.rounds = confirmRounds;
    e.flags = layoutFlags;
    // What is left of the budget, shared by the remaining thread counts.
    // (On the tests' clock of child runs, which the check does not run:
    // its quarter.)
    e.seconds = std::max(0.0, childSeconds() > 0 ? budget - searchBudget
                                                 : budget - budgetClock(start)) /
                double(threadList.size() - ti);
    e.reuseBuilds = ti > 0;
    e.quiet = quiet;
    tune::EndToEndResult r;
    if (!tune::confirmEndToEnd(e, &r, &err))
      return fail("end to end: " + err);
    errs() << tune::describe(e, r);
    // A bucket whose tuned build loses to the default beyond the spread on
    // the whole model keeps the defaults: the kernels won alone, the model
    // did not (the records say so).
    for (int b = 0; b < 2; ++b) {
      const tune::Rates *rs = b == 0 ? r.decode : r.prefill;
      if (r.identical || !tune::lossBeyondSpread(rs))
        continue;
      char ratio[32];
      std::snprintf(ratio, sizeof ratio, "%.3fx", rs[1].spread().median / rs[0].spread().median);
      const std::string why = std::string("reverted to the default: the whole model's ") +
                              (b == 0 ? "decode" : "prefill") + " was " + ratio +
                              " the default build's, beyond the spread, at " +
                              std::to_string(threads) + " thread" + (threads > 1 ? "s" : "");
      int reverted = 0;
      for (tune::Record &rec : *db.mutable_records()) {
        // The layout record (tokens 0) serves both buckets: it reverts too.
        // Only this thread count's: the other's build was not the one timed
        // (reverting them too left 2b4t's 2-thread prefill loss in place).
        if ((rec.key().tokens() != 0 && (rec.key().tokens() == 1) != (b == 0)) ||
            rec.key().threads() != threads || rec.default_kept())
          continue;
        bool mine = false;
        for (const tune::Key &k : runKeys)
          mine |= tune::sameKey(k, rec.key());
        sched::Space space;
        sched::Kind kind;
        if (!mine || !sched::kindFromName(rec.key().kind(), &kind) ||
            !sched::spaceFor(family, kind, {rec.key().n(), rec.key().k()}, &space, &err))
          continue;
        for (const std::string &n : rec.key().tokens() == 0 ? space.layoutKnobs
                                    : b == 0                  ? space.decodeKnobs
                                                              : space.prefillKnobs)
          (*rec.mutable_chosen())[n] = space.knob(n)->def;
        rec.set_default_kept(true);
        rec.set_why(why + " (alone: " + rec.why() + ")");
        ++reverted;
      }
      if (reverted)
        errs() << "tern-tune: end to end: " << why << ": " << reverted << " "
               << (b == 0 ? "decode" : "prefill") << " records keep the defaults\n";
    }
    if (!tune::writeDb(dbPath, db, &err))
      return fail(err);
  }
  if (!scheduleOut.empty()) {
    // The records tern-compile would apply, as a schedule file.
    std::vector<std::string> notes;
    size_t used = 0;
    std::ofstream f(scheduleOut);
    f << tune::tunedScheduleFile(db, family, hw, &notes, &used);
    if (!f)
      return fail(scheduleOut + ": cannot write");
  }
  errs() << "tern-tune: wrote " << db.records_size() << " records to " << dbPath
         << (scheduleOut.empty() ? "" : " and the schedules to " + scheduleOut) << "\n";
  if (!report.empty() && !drawReport(db))
    return 1;
  sys::fs::remove_directories(dir);
  return 0;
}
