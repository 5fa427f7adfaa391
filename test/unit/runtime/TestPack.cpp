//===- TestPack.cpp - toy plans, kernels and files for the runtime tests --===//
#include "TestPack.h"

#include "runtime/engine/PlanContract.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unistd.h>

namespace tern::rt::testing {

namespace {

std::mutex callMutex;
std::vector<Call> callLog;

void logCall(int kernel, int64_t t0, int64_t t1, int64_t start, int64_t begin,
             int64_t end) {
  std::lock_guard<std::mutex> lock(callMutex);
  callLog.push_back({kernel, t0, t1, start, begin, end});
}

// The toy shape the kernels see: set by makeToyPack (one toy model at a
// time, like the tests use them).
ToyShape shapeNow;

// The plan contract of the last pack made, as tern-compile derives it.
std::vector<uint8_t> toyContract, successorContract;

void deriveTestContract(const PackContents &c, uint32_t numKernels,
                        std::vector<uint8_t> *bytes) {
  tern_pack_header h;
  std::vector<tern_buffer> buffers;
  std::string err;
  if (!layoutPack(c, "test.tpack", &h, &buffers, &err) ||
      !deriveContract(h, buffers.data(), c.steps.data(), numKernels, bytes, &err)) {
    std::fprintf(stderr, "TestPack: no contract for the test plan: %s\n", err.c_str());
    std::abort();
  }
}

void embedKernel(void *const *args, int64_t t0, int64_t t1, int64_t start,
                 int64_t begin, int64_t end) {
  logCall(0, t0, t1, start, begin, end);
  const float *emb = static_cast<const float *>(args[0]);
  const int32_t *ids = static_cast<const int32_t *>(args[1]);
  float *x = static_cast<float *>(args[2]);
  const int D = shapeNow.hidden;
  for (int64_t t = begin; t < end; ++t)
    for (int d = 0; d < D; ++d)
      x[t * D + d] = emb[ids[t] * D + d] + float(start + t);
}

void addBiasKernel(void *const *args, int64_t t0, int64_t t1, int64_t start,
                   int64_t begin, int64_t end) {
  logCall(1, t0, t1, start, begin, end);
  float *x = static_cast<float *>(args[0]);
  const float *bias = static_cast<const float *>(args[1]);
  const int D = shapeNow.hidden;
  for (int64_t d = begin; d < end; ++d)
    for (int64_t t = t0; t < t1; ++t)
      x[t * D + d] += bias[d];
}

void storeKernel(void *const *args, int64_t t0, int64_t t1, int64_t start,
                 int64_t begin, int64_t end) {
  logCall(2, t0, t1, start, begin, end);
  const float *x = static_cast<const float *>(args[0]);
  float *cache = static_cast<float *>(args[1]);
  const int D = shapeNow.hidden;
  for (int64_t t = begin; t < end; ++t)
    std::memcpy(cache + (start + t) * D, x + t * D, D * sizeof(float));
}

void headKernel(void *const *args, int64_t t0, int64_t t1, int64_t start,
                int64_t begin, int64_t end) {
  logCall(3, t0, t1, start, begin, end);
  const float *emb = static_cast<const float *>(args[0]);
  const float *cache = static_cast<const float *>(args[1]);
  float *out = static_cast<float *>(args[2]);
  const int D = shapeNow.hidden, V = shapeNow.vocab;
  for (int64_t v = begin; v < end; ++v)
    for (int64_t t = t0; t < t1; ++t) {
      float sum = 0;
      for (int64_t p = 0; p <= start + t; ++p)
        for (int d = 0; d < D; ++d)
          sum += cache[p * D + d] * emb[v * D + d];
      out[t * V + v] = sum;
    }
}

const tern_kernel_fn toyFns[] = {embedKernel, addBiasKernel, storeKernel,
                                 headKernel};

// Successor model: x[t] = id[t]; hist[start + t] = id[t];
// out[t][v] = v == next[x[t]].
int32_t successorVocab = 0;

void copyIdsKernel(void *const *args, int64_t, int64_t, int64_t start,
                   int64_t begin, int64_t end) {
  const int32_t *ids = static_cast<const int32_t *>(args[0]);
  int32_t *x = static_cast<int32_t *>(args[1]);
  int32_t *hist = static_cast<int32_t *>(args[2]);
  for (int64_t t = begin; t < end; ++t) {
    x[t] = ids[t];
    hist[start + t] = ids[t];
  }
}

void successorHeadKernel(void *const *args, int64_t t0, int64_t t1, int64_t,
                         int64_t begin, int64_t end) {
  const int32_t *next = static_cast<const int32_t *>(args[0]);
  const int32_t *x = static_cast<const int32_t *>(args[1]);
  float *out = static_cast<float *>(args[2]);
  const int64_t V = successorVocab;
  for (int64_t t = t0; t < t1; ++t)
    for (int64_t v = begin; v < end; ++v)
      out[t * V + v] = v == next[x[t]] ? 1.0f : 0.0f;
}

const tern_kernel_fn successorFns[] = {copyIdsKernel, successorHeadKernel};

tern_step step(uint32_t kernel, uint32_t rangeKind, int64_t range,
               int64_t grain, uint32_t flags, std::vector<uint32_t> args) {
  tern_step s;
  std::memset(&s, 0, sizeof s);
  s.kernel = kernel;
  s.range_kind = rangeKind;
  s.range = range;
  s.grain = grain;
  s.flags = flags;
  s.nargs = static_cast<uint32_t>(args.size());
  for (size_t i = 0; i < args.size(); ++i)
    s.args[i] = args[i];
  return s;
}

tern_buffer buffer(uint32_t kind, uint64_t bytes) {
  tern_buffer b;
  std::memset(&b, 0, sizeof b);
  b.kind = kind;
  b.bytes = bytes;
  return b;
}

} // namespace

std::vector<Call> calls() {
  std::lock_guard<std::mutex> lock(callMutex);
  return callLog;
}

void clearCalls() {
  std::lock_guard<std::mutex> lock(callMutex);
  callLog.clear();
}

const char kToyFingerprint[] = "toy-kernels-v1";

const tern_kernel_table *toyKernels() {
  static tern_kernel_table table = {toyFns, 4, kToyFingerprint, nullptr, nullptr,
                                    nullptr};
  if (toyContract.empty()) {
    ToyPack defaults;
    makeToyPack(ToyShape(), &defaults);
  }
  table.contract = reinterpret_cast<const tern_plan_contract *>(toyContract.data());
  return &table;
}

float toyEmb(int v, int d) { return float((3 * v + d) % 7 - 3); }
float toyBias(int d) { return float(d - 2); }

void makeToyPack(const ToyShape &s, ToyPack *out) {
  shapeNow = s;
  const int V = s.vocab, D = s.hidden;
  out->emb.resize(size_t(V) * D);
  for (int v = 0; v < V; ++v)
    for (int d = 0; d < D; ++d)
      out->emb[size_t(v) * D + d] = toyEmb(v, d);
  out->bias.resize(D);
  for (int d = 0; d < D; ++d)
    out->bias[d] = toyBias(d);
  PackContents &c = out->contents;
  c = PackContents();
  c.info.fingerprint = kToyFingerprint;
  c.info.target = "test-cpu";
  c.info.vocab = V;
  c.info.hidden = D;
  c.info.layers = 1;
  c.info.heads = 1;
  c.info.kv_heads = 1;
  c.info.head_dim = D;
  c.info.ffn = 2 * D;
  c.info.max_context = s.max_context;
  c.info.max_batch = s.max_batch;
  c.info.bos = 1;
  c.info.eos = 2;
  c.info.eot = -1;
  c.buffers = {
      buffer(TERN_BUF_WEIGHT, out->emb.size() * sizeof(float)),
      buffer(TERN_BUF_TOKENS, 4),
      buffer(TERN_BUF_ACTIVATION, D * sizeof(float)),
      buffer(TERN_BUF_STATE, uint64_t(s.max_context) * D * sizeof(float)),
      buffer(TERN_BUF_WEIGHT, out->bias.size() * sizeof(float)),
      buffer(TERN_BUF_LOGITS, uint64_t(V) * sizeof(float)),
  };
  c.steps = {
      step(0, TERN_RANGE_TOKENS, 0, 1, 0, {0, 1, 2}),
      step(1, TERN_RANGE_FIXED, D, 3, 0, {2, 4}),
      step(2, TERN_RANGE_TOKENS, 0, 2, 0, {2, 3}),
      step(3, TERN_RANGE_FIXED, V, 5, TERN_STEP_HEAD, {0, 3, 5}),
  };
  c.weights.resize(2);
  c.weights[0].data = out->emb.data();
  c.weights[1].data = out->bias.data();
  deriveTestContract(c, 4, &toyContract);
}

std::vector<float> toyReference(const ToyShape &s,
                                const std::vector<int32_t> &ids) {
  const int V = s.vocab, D = s.hidden;
  const size_t T = ids.size();
  std::vector<float> cache(T * D), logits(T * V);
  for (size_t t = 0; t < T; ++t)
    for (int d = 0; d < D; ++d)
      cache[t * D + d] = toyEmb(ids[t], d) + float(t) + toyBias(d);
  for (size_t t = 0; t < T; ++t)
    for (int v = 0; v < V; ++v) {
      float sum = 0;
      for (size_t p = 0; p <= t; ++p)
        for (int d = 0; d < D; ++d)
          sum += cache[p * D + d] * toyEmb(v, d);
      logits[t * V + v] = sum;
    }
  return logits;
}

const char kSuccessorFingerprint[] = "successor-kernels-v1";

const tern_kernel_table *successorKernels() {
  static tern_kernel_table table = {successorFns, 2, kSuccessorFingerprint,
                                    nullptr, nullptr, nullptr};
  table.contract = reinterpret_cast<const tern_plan_contract *>(successorContract.data());
  return &table;
}

void makeSuccessorPack(int32_t vocab, int32_t max_context, int32_t max_batch,
                       const std::vector<int32_t> &next,
                       const std::string &tokenizerBlob, SuccessorPack *out) {
  successorVocab = vocab;
  out->next = next;
  PackContents &c = out->contents;
  c = PackContents();
  c.info.fingerprint = kSuccessorFingerprint;
  c.info.target = "test-cpu";
  c.info.vocab = vocab;
  c.info.hidden = 1;
  c.info.layers = 1;
  c.info.heads = 1;
  c.info.kv_heads = 1;
  c.info.head_dim = 1;
  c.info.ffn = 1;
  c.info.max_context = max_context;
  c.info.max_batch = max_batch;
  c.buffers = {
      buffer(TERN_BUF_WEIGHT, out->next.size() * sizeof(int32_t)),
      buffer(TERN_BUF_TOKENS, 4),
      buffer(TERN_BUF_ACTIVATION, sizeof(int32_t)),
      buffer(TERN_BUF_STATE, uint64_t(max_context) * sizeof(int32_t)),
      buffer(TERN_BUF_LOGITS, uint64_t(vocab) * sizeof(float)),
  };
  c.steps = {
      step(0, TERN_RANGE_TOKENS, 0, 1, 0, {1, 2, 3}),
      step(1, TERN_RANGE_FIXED, vocab, 16, TERN_STEP_HEAD, {0, 2, 4}),
  };
  c.weights.resize(1);
  c.weights[0].data = out->next.data();
  c.tokenizer = tokenizerBlob;
  deriveTestContract(c, 2, &successorContract);
}

std::string tempPath(const std::string &name) {
  const char *dir = std::getenv("TEST_TMPDIR");
  std::string base = dir && *dir ? dir : "/tmp";
  return base + "/tern-rt-" + std::to_string(::getpid()) + "-" + name;
}

std::string readFile(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

} // namespace tern::rt::testing
