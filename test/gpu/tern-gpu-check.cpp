//===- tern-gpu-check.cpp - tern's GPU checks on a machine without MLIR ---===//
//
// The GPU half of test/gpu/bundle.sh: everything here was generated on a
// build machine (PTX, inputs, expected outputs); this program only talks to
// the CUDA driver (dlopen) and links no MLIR or LLVM.
//
//   tern-gpu-check info           GPU 0: "sm_90 NVIDIA H200 driver 13.0"
//   tern-gpu-check target         the tern-compile target for GPU 0
//                                 (sm_90 on sm_90 GPUs, else sm_80)
//   tern-gpu-check cases DIR      runs every DIR/*.gpucase (the GPU kernel
//                                 tests) and prints PASS / FAIL / SKIP each
//   tern-gpu-check bench DIR [--samples N] [--schedules-out FILE]
//                                 times every DIR/*.gpubench against the
//                                 copy bandwidth and cuBLAS bf16 GEMV measured
//                                 in the same run; the best GEMV schedule per
//                                 shape goes to FILE (tern-compile
//                                 --schedule-file records)
//   tern-gpu-check tune DIR [--rounds N] [--samples N] [--results FILE]
//                                 tern-tune's candidates (tern-tune
//                                 --emit-candidates DIR): each checked bit
//                                 for bit against the scalar formula, then
//                                 timed in N interleaved rounds per group
//                                 (kernel and token bucket); FILE (default
//                                 DIR/results.txt) goes back to tern-tune
//                                 --import-results
//
// Exit status: 0 all good, 1 a failure (a wrong result, any CUDA error),
// 2 no GPU at all (no driver, or a driver that sees no device), with the
// driver's message on stderr.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/GpuBenchmark.h"
#include "test/gpu/GpuCase.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace tern::rt::cuda;
using namespace tern::gpucheck;

namespace {

int usage() {
  std::fprintf(stderr, "usage: tern-gpu-check info | target | cases DIR | bench DIR "
                       "[--samples N] [--schedules-out FILE] | tune DIR [--rounds N] "
                       "[--samples N] [--results FILE]\n");
  return 1;
}

/// 0 with a GPU; else prints why and returns the exit status (2: none).
int requireGpu() {
  const GpuProbe &g = probeGpu();
  if (g.state == GpuState::kReady)
    return 0;
  std::fprintf(stderr, "tern-gpu-check: %s: %s\n",
               g.state == GpuState::kAbsent ? "no GPU" : "error", g.why.c_str());
  return g.state == GpuState::kAbsent ? 2 : 1;
}

/// DIR's files ending in `ext`, sorted; empty + message when none.
std::vector<std::string> filesIn(const std::string &dir, const std::string &ext) {
  std::vector<std::string> out;
  if (DIR *d = ::opendir(dir.c_str())) {
    while (dirent *e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > ext.size() && n.compare(n.size() - ext.size(), ext.size(), ext) == 0)
        out.push_back(dir + "/" + n);
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  if (out.empty())
    std::fprintf(stderr, "tern-gpu-check: error: no *%s files in %s\n", ext.c_str(),
                 dir.c_str());
  return out;
}

/// What every command starts with: a GPU, and DIR's `ext` files. 0, or
/// the exit status after saying why (no GPU: 2; no files: 1).
int prologue(const std::string &dir, const std::string &ext, std::vector<std::string> *files) {
  if (int r = requireGpu())
    return r;
  *files = filesIn(dir, ext);
  return files->empty() ? 1 : 0;
}

int runCases(const std::string &dir) {
  std::vector<std::string> files;
  if (int r = prologue(dir, ".gpucase", &files))
    return r;
  int pass = 0, fail = 0, skip = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    GpuCase c;
    std::string err;
    if (!readCase(files[i], &c, &err)) {
      std::printf("FAIL %s: %s\n", files[i].c_str(), err.c_str());
      ++fail;
      continue;
    }
    CaseResult r = runCase(c);
    const char *tag = r.outcome == Outcome::kPass ? "PASS" : r.outcome == Outcome::kSkip ? "SKIP"
                                                                                          : "FAIL";
    std::printf("%s %s%s%s\n", tag, c.name.c_str(), r.message.empty() ? "" : ": ",
                r.message.c_str());
    std::fflush(stdout);
    (r.outcome == Outcome::kPass ? pass : r.outcome == Outcome::kSkip ? skip : fail)++;
    std::fprintf(stderr, "\rtern-gpu-check: case %zu/%zu", i + 1, files.size());
  }
  std::fprintf(stderr, "\n");
  std::printf("cases: %d passed, %d failed, %d skipped of %zu\n", pass, fail, skip,
              files.size());
  return fail ? 1 : 0;
}

struct Timed {
  TernaryBench b;
  Spread s;   ///< seconds per launch
  double gbs; ///< weight bytes / median time
};

int runBench(const std::string &dir, int samples, const std::string &schedulesOut) {
  std::vector<std::string> files;
  if (int r = prologue(dir, ".gpubench", &files))
    return r;
  const GpuProbe &g = probeGpu();
  std::string err;
  const size_t copyBytes = size_t(1) << 30;
  std::vector<double> copies;
  auto copyOnce = [&]() {
    double s = timeCopy(copyBytes, 5, &err);
    if (s > 0)
      copies.push_back(2.0 * copyBytes / s / 1e9);
    return s > 0;
  };
  if (!copyOnce()) {
    std::fprintf(stderr, "tern-gpu-check: error: copy bandwidth: %s\n", err.c_str());
    return 1;
  }
  std::printf("gpu: %s (sm_%d)\n", g.name.c_str(), g.sm);
  std::printf("%-28s %10s %10s %10s %9s %9s\n", "kernel", "us", "p20", "p80", "GB/s", "GOP/s");
  std::vector<Timed> results;
  int failed = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    std::fprintf(stderr, "\rtern-gpu-check: bench %zu/%zu", i + 1, files.size());
    TernaryBench b;
    if (!readBench(files[i], &b, &err)) {
      std::printf("FAIL %s\n", err.c_str());
      ++failed;
      continue;
    }
    if (b.onlySm && b.onlySm != g.sm)
      continue; // wgmma on a GPU other than sm_90
    TernaryBenchRun run;
    std::vector<double> t;
    bool ok = run.setup(b, &err) && run.time(20, &err) > 0; // the warm-up
    for (int k = 0; ok && k < samples; ++k) {
      double s = run.time(20, &err);
      ok = s > 0;
      t.push_back(s);
    }
    if (!ok) {
      std::printf("FAIL %s: %s\n", b.label.c_str(), err.c_str());
      ++failed;
      continue;
    }
    Timed r{b, spreadOf(t), 0};
    r.gbs = run.weightBytes() / r.s.median / 1e9;
    std::printf("%-28s %10.2f %10.2f %10.2f %9.1f %9.0f\n", b.label.c_str(), r.s.median * 1e6,
                r.s.p20 * 1e6, r.s.p80 * 1e6, r.gbs, 2.0 * b.N * b.K * b.T / r.s.median / 1e9);
    results.push_back(r);
  }
  std::fprintf(stderr, "\n");
  copyOnce(); // again at the end: the ratio uses both
  Spread copy = spreadOf(copies);
  std::printf("copy: %.1f GB/s (read + write, 1 GiB; %zu runs, %.1f..%.1f)\n", copy.median,
              copies.size(), copy.p20, copy.p80);

  // Per shape: the best GEMV schedule, the default's, cuBLAS, the best GEMMs.
  std::map<std::pair<int64_t, int64_t>, std::vector<const Timed *>> byShape;
  for (const Timed &r : results)
    byShape[{r.b.N, r.b.K}].push_back(&r);
  std::string records;
  bool goals = true;
  for (auto &[shape, rs] : byShape) {
    const auto [N, K] = shape;
    const Timed *best = nullptr, *def = nullptr;
    std::map<int64_t, const Timed *> bestGemm;
    for (const Timed *r : rs) {
      if (r->b.T == 1) {
        if (!best || r->s.median < best->s.median)
          best = r;
        if (r->b.unroll == 4 && r->b.threads == 128)
          def = r;
      } else if (!bestGemm[r->b.T] || r->s.median < bestGemm[r->b.T]->s.median) {
        bestGemm[r->b.T] = r;
      }
    }
    std::printf("shape %lldx%lld:\n", (long long)N, (long long)K);
    if (best) {
      const double ofCopy = best->gbs / copy.median;
      std::printf("  gemv best %s: %.1f GB/s = %.2f of copy (goal >= 0.85: %s)\n",
                  best->b.label.c_str(), best->gbs, ofCopy, ofCopy >= 0.85 ? "met" : "NOT met");
      goals &= ofCopy >= 0.85;
      if (def)
        std::printf("  gemv default u4/t128: %.1f GB/s = %.2f of copy; best / default = %.2fx "
                    "(default p20..p80 %.2f..%.2f us)\n",
                    def->gbs, def->gbs / copy.median, def->s.median / best->s.median,
                    def->s.p20 * 1e6, def->s.p80 * 1e6);
      records += std::string(records.empty() ? "" : ",\n") +
                 "    {\"op\": \"ternary_matmul\", \"n\": " + std::to_string(N) +
                 ", \"k\": " + std::to_string(K) + ", \"schedule\": \"#tern.schedule<unroll = " +
                 std::to_string(best->b.unroll) + ", threads = " +
                 std::to_string(best->b.threads) + ">\"}";
      CublasBf16Gemv cb;
      std::vector<double> t;
      bool ok = cb.setup(N, K, &err) && cb.time(20, &err) > 0;
      for (int k = 0; ok && k < samples; ++k) {
        double s = cb.time(20, &err);
        ok = s > 0;
        t.push_back(s);
      }
      if (ok) {
        Spread s = spreadOf(t);
        const double x = s.median / best->s.median;
        std::printf("  cublas bf16 gemv: %.2f us, %.1f GB/s; tern is %.1fx faster (goal >= 5: "
                    "%s)\n",
                    s.median * 1e6, cb.weightBytes() / s.median / 1e9, x,
                    x >= 5 ? "met" : "NOT met");
        goals &= x >= 5;
      } else {
        std::printf("  cublas bf16 gemv: not measured: %s\n", err.c_str());
      }
    }
    for (auto &[T, r] : bestGemm)
      std::printf("  gemm%lld best %s: %.0f GOP/s\n", (long long)T, r->b.label.c_str(),
                  2.0 * r->b.N * r->b.K * r->b.T / r->s.median / 1e9);
  }
  std::printf("goals: %s\n", goals ? "all met" : "some NOT met (see above)");
  if (!schedulesOut.empty()) {
    std::FILE *f = std::fopen(schedulesOut.c_str(), "w");
    if (!f) {
      std::fprintf(stderr, "tern-gpu-check: error: cannot write %s\n", schedulesOut.c_str());
      return 1;
    }
    std::fprintf(f, "{\n  \"schedules\": [\n%s\n  ]\n}\n", records.c_str());
    std::fclose(f);
  }
  return failed ? 1 : 0;
}

/// tern-tune's candidates: per group (the label's "tune/GROUP/..."), every
/// candidate is set up and checked, then the good ones are timed in
/// `rounds` rounds, each visiting them in a rotated order. The results
/// file: "TERNGPR1", "gpu SM DRIVER NAME", then per candidate "LABEL ok",
/// "LABEL wrong WHY" or "LABEL fail WHY", per round "LABEL time ROUND
/// S1 S2 ..." (seconds per launch), and last "end".
int runTune(const std::string &dir, int rounds, int samples, std::string results) {
  std::vector<std::string> files;
  if (int r = prologue(dir, ".gpubench", &files))
    return r;
  const GpuProbe &g = probeGpu();
  if (results.empty())
    results = dir + "/results.txt";
  std::FILE *out = std::fopen(results.c_str(), "w");
  if (!out) {
    std::fprintf(stderr, "tern-gpu-check: error: cannot write %s\n", results.c_str());
    return 1;
  }
  std::fprintf(out, "TERNGPR1\ngpu %d %d %s\n", g.sm, g.driverVersion, g.name.c_str());
  std::map<std::string, std::vector<TernaryBench>> groups;
  int bad = 0, wrong = 0, timed = 0;
  std::string err;
  for (const std::string &f : files) {
    TernaryBench b;
    if (!readBench(f, &b, &err)) {
      std::fprintf(stderr, "tern-gpu-check: error: %s\n", err.c_str());
      std::fclose(out);
      return 1;
    }
    const size_t a = b.label.find('/'), z = b.label.find('/', a + 1);
    const std::string group = a == std::string::npos || z == std::string::npos
                                  ? "-"
                                  : b.label.substr(a + 1, z - a - 1);
    groups[group].push_back(b);
  }
  size_t done = 0;
  for (auto &[group, benches] : groups) {
    std::vector<std::unique_ptr<TernaryBenchRun>> runs;
    std::vector<const TernaryBench *> ok;
    for (const TernaryBench &b : benches) {
      std::fprintf(stderr, "\rtern-gpu-check: tune %zu/%zu (checking)", ++done, files.size());
      if (b.onlySm && b.onlySm != g.sm) {
        std::fprintf(out, "%s fail needs sm_%d\n", b.label.c_str(), b.onlySm);
        continue;
      }
      auto run = std::make_unique<TernaryBenchRun>();
      if (!run->setup(b, &err)) {
        std::fprintf(out, "%s fail %s\n", b.label.c_str(), err.c_str());
        ++bad;
        continue;
      }
      if (!run->check(&err)) {
        std::fprintf(out, "%s wrong %s\n", b.label.c_str(), err.c_str());
        ++wrong;
        continue;
      }
      std::fprintf(out, "%s ok\n", b.label.c_str());
      runs.push_back(std::move(run));
      ok.push_back(&b);
    }
    for (int round = 0; round < rounds; ++round)
      for (size_t j = 0; j < runs.size(); ++j) {
        const size_t i = (j + size_t(round)) % runs.size();
        std::vector<double> t;
        bool fine = runs[i]->time(20, &err) > 0; // warm-up
        for (int k = 0; fine && k < samples; ++k) {
          const double sec = runs[i]->time(20, &err);
          fine = sec > 0;
          t.push_back(sec);
        }
        if (!fine) {
          std::fprintf(out, "%s fail round %d: %s\n", ok[i]->label.c_str(), round, err.c_str());
          ++bad;
          continue;
        }
        std::fprintf(out, "%s time %d", ok[i]->label.c_str(), round);
        for (double sec : t)
          std::fprintf(out, " %.9g", sec);
        std::fprintf(out, "\n");
        ++timed;
      }
  }
  std::fprintf(stderr, "\n");
  std::fprintf(out, "end\n"); // a truncated file lacks it
  const bool written = std::fclose(out) == 0;
  std::printf("tune: %zu candidates in %zu groups on %s (sm_%d): %d wrong, %d failed, %d "
              "timings; results in %s\n",
              files.size(), groups.size(), g.name.c_str(), g.sm, wrong, bad, timed,
              results.c_str());
  if (!written) {
    std::fprintf(stderr, "tern-gpu-check: error: cannot write %s\n", results.c_str());
    return 1;
  }
  return 0; // wrong candidates are results, not errors of this run
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    return usage();
  const std::string cmd = argv[1];
  if (cmd == "info" || cmd == "target") {
    if (int r = requireGpu())
      return r;
    const GpuProbe &g = probeGpu();
    if (cmd == "target")
      std::printf("%s\n", g.sm >= 90 && g.sm < 100 ? "sm_90" : "sm_80");
    else
      std::printf("sm_%d %s driver %d.%d\n", g.sm, g.name.c_str(), g.driverVersion / 1000,
                  g.driverVersion % 1000 / 10);
    if (g.sm < 80) {
      std::fprintf(stderr, "tern-gpu-check: error: %s is sm_%d; tern's GPU code needs sm_80 "
                           "or later\n",
                   g.name.c_str(), g.sm);
      return 1;
    }
    return 0;
  }
  if (cmd == "cases" && argc == 3)
    return runCases(argv[2]);
  if (cmd == "bench" && argc >= 3) {
    int samples = 7;
    std::string out;
    for (int i = 3; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--samples" && i + 1 < argc)
        samples = std::max(1, std::atoi(argv[++i]));
      else if (a == "--schedules-out" && i + 1 < argc)
        out = argv[++i];
      else
        return usage();
    }
    return runBench(argv[2], samples, out);
  }
  if (cmd == "tune" && argc >= 3) {
    int rounds = 4, samples = 5;
    std::string results;
    for (int i = 3; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--rounds" && i + 1 < argc)
        rounds = std::max(1, std::atoi(argv[++i]));
      else if (a == "--samples" && i + 1 < argc)
        samples = std::max(1, std::atoi(argv[++i]));
      else if (a == "--results" && i + 1 < argc)
        results = argv[++i];
      else
        return usage();
    }
    return runTune(argv[2], rounds, samples, results);
  }
  return usage();
}
