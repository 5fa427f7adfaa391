//===- MatmulJob.cpp - a measurement job's file, and its dispatch --------===//
#include "tools/tern-tune/MatmulJob.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>

namespace tern::tune {

const char *floatTypeName(codegen::FloatType t) {
  switch (t) {
  case codegen::FloatType::F32:
    return "f32";
  case codegen::FloatType::F16:
    return "f16";
  case codegen::FloatType::BF16:
    return "bf16";
  }
  return "?";
}

bool floatTypeFromName(const std::string &name, codegen::FloatType *t) {
  for (codegen::FloatType f :
       {codegen::FloatType::F32, codegen::FloatType::F16, codegen::FloatType::BF16})
    if (name == floatTypeName(f)) {
      *t = f;
      return true;
    }
  return false;
}

int64_t MatmulShape::rows() const {
  if (kind != sched::Kind::kTernaryMatmul)
    return N;
  int64_t n = 0;
  for (int64_t p : parts)
    n += p;
  return n;
}

std::string MatmulJob::label() const {
  return std::string(sched::kindName(kind)) + " " + std::to_string(rows()) + "x" + std::to_string(K) + " T" +
         std::to_string(tokens) + " th" + std::to_string(threads);
}

bool writeJob(const MatmulJob &j, const std::string &path, std::string *err) {
  std::ofstream f(path);
  f << "target " << j.target << "\nkind " << sched::kindName(j.kind) << "\nK " << j.K
    << "\nN " << j.N << "\nhead_dim " << j.headDim << "\ncontext " << j.context << "\ngated " << j.gated << "\nsilu " << j.silu << "\nnorm " << j.norm << "\nepsilon " << std::setprecision(9) << j.epsilon << std::setprecision(6) << "\nelem " << floatTypeName(j.elem) << "\nparts";
  for (int64_t p : j.parts)
    f << " " << p;
  f << "\nlayout " << j.layout.bits << " " << j.layout.pack_dim << " " << j.layout.block << " "
    << j.layout.interleave << " " << j.layout.chunk << " " << j.layout.lut << "\ndivide "
    << j.divide << "\nresidual " << j.residual << "\ntokens " << j.tokens << "\nthreads "
    << j.threads << "\nmin_sample_s " << j.minSampleSeconds << "\nsamples " << j.samples
    << "\nrotate_bytes " << j.rotateBytes << "\npool_fd " << j.poolFd << "\nplant " << (j.plant.empty() ? "-" : j.plant)
    << "\n";
  for (const auto &[k, v] : j.schedule)
    f << "knob " << k << " " << (v.empty() ? "-" : v) << "\n";
  if (!f) {
    *err = path + ": cannot write";
    return false;
  }
  return true;
}

bool readJob(const std::string &path, MatmulJob *j, std::string *err) {
  std::ifstream f(path);
  if (!f) {
    *err = path + ": cannot read";
    return false;
  }
  for (std::string line; std::getline(f, line);) {
    std::istringstream s(line);
    std::string key;
    s >> key;
    if (key == "target")
      s >> j->target;
    else if (key == "kind") {
      std::string name;
      s >> name;
      if (!sched::kindFromName(name, &j->kind)) {
        *err = path + ": unknown kernel kind '" + name + "'";
        return false;
      }
    } else if (key == "N")
      s >> j->N;
    else if (key == "head_dim")
      s >> j->headDim;
    else if (key == "context")
      s >> j->context;
    else if (key == "gated")
      s >> j->gated;
    else if (key == "silu")
      s >> j->silu;
    else if (key == "norm")
      s >> j->norm;
    else if (key == "epsilon")
      s >> j->epsilon;
    else if (key == "elem") {
      std::string name;
      s >> name;
      if (!floatTypeFromName(name, &j->elem)) {
        *err = path + ": unknown element type '" + name + "'";
        return false;
      }
    }
    else if (key == "K")
      s >> j->K;
    else if (key == "parts")
      for (int64_t p; s >> p;)
        j->parts.push_back(p);
    else if (key == "layout")
      s >> j->layout.bits >> j->layout.pack_dim >> j->layout.block >> j->layout.interleave >>
          j->layout.chunk >> j->layout.lut;
    else if (key == "divide")
      s >> j->divide;
    else if (key == "residual")
      s >> j->residual;
    else if (key == "tokens")
      s >> j->tokens;
    else if (key == "threads")
      s >> j->threads;
    else if (key == "min_sample_s")
      s >> j->minSampleSeconds;
    else if (key == "samples")
      s >> j->samples;
    else if (key == "rotate_bytes")
      s >> j->rotateBytes;
    else if (key == "pool_fd")
      s >> j->poolFd;
    else if (key == "plant") {
      s >> j->plant;
      if (j->plant == "-")
        j->plant.clear();
    } else if (key == "knob") {
      std::string k, v;
      s >> k >> v;
      j->schedule[k] = v == "-" ? "" : v;
    }
  }
  const bool ternary = j->kind == sched::Kind::kTernaryMatmul;
  if (j->K <= 0 || (ternary ? j->parts.empty() : j->N <= 0) || j->tokens <= 0 ||
      j->threads <= 0) {
    *err = path + ": not a complete measurement job";
    return false;
  }
  return true;
}

int runJob(const MatmulJob &j, const std::string &resultPath) {
  return j.kind == sched::Kind::kTernaryMatmul ? runTernaryJob(j, resultPath)
         : j.kind == sched::Kind::kAttention   ? runAttentionJob(j, resultPath)
         : j.kind == sched::Kind::kNormQuantize ? runNormQuantizeJob(j, resultPath)
                                               : runHeadJob(j, resultPath);
}

std::string kernelText(const MatmulJob &j) {
  return j.kind == sched::Kind::kTernaryMatmul ? ternaryKernelText(j)
         : j.kind == sched::Kind::kAttention   ? attentionKernelText(j)
         : j.kind == sched::Kind::kNormQuantize ? normQuantizeKernelText(j)
                                               : headKernelText(j);
}

void plantedFailure(const MatmulJob &j) {
  if (j.plant == "crash")
    __builtin_trap();
  if (j.plant == "hang")
    for (;;)
      std::this_thread::sleep_for(std::chrono::seconds(1));
}

int writeResult(const std::string &path, const std::string &text) {
  std::ofstream(path) << text << "\n";
  return 0;
}

// On x86 a clone per vector width (the build's baseline is SSE2), picked
// at load time.
#if defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx512bw", "avx2", "default")))
#endif
int32_t dotI8(const int8_t *a, const int8_t *b, int64_t K) {
  int32_t acc = 0;
  for (int64_t k = 0; k < K; ++k)
    acc += int32_t(a[k]) * int32_t(b[k]);
  return acc;
}

std::string timeSamples(const MatmulJob &j, const std::function<void()> &once) {
  // Each sample is as many calls as fill min_sample_s.
  using clock = std::chrono::steady_clock;
  int64_t reps = 1;
  for (;;) { // warm-up, and the repetitions per sample
    auto a = clock::now();
    for (int64_t i = 0; i < reps; ++i)
      once();
    const double sec = std::chrono::duration<double>(clock::now() - a).count();
    if (sec >= j.minSampleSeconds || reps > (int64_t(1) << 24))
      break;
    reps = std::max<int64_t>(reps * 2, int64_t(j.minSampleSeconds / std::max(sec / double(reps), 1e-9)));
  }
  std::ostringstream out;
  out << "ok";
  for (int i = 0; i < j.samples; ++i) {
    auto a = clock::now();
    for (int64_t r = 0; r < reps; ++r)
      once();
    // A planted "fast" candidate reports a hundredth of its time (tests: a
    // winner that is certain to differ from the default; a tenth was not
    // enough for tl2 against AMX's i2lane prefill); "slow-prefill"
    // a tenth for one token and ten times over several (a layout that wins
    // decode and loses prefill).
    const double planted = j.plant == "fast"           ? 0.01
                           : j.plant != "slow-prefill" ? 1.0
                           : j.tokens > 1              ? 10.0
                                                       : 0.1;
    out << " " << std::chrono::duration<double>(clock::now() - a).count() / double(reps) * planted;
  }
  return out.str();
}

} // namespace tern::tune
