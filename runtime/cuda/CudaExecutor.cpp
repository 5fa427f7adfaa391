//===- CudaExecutor.cpp - the plan on an NVIDIA GPU -----------------------===//
#include "runtime/cuda/CudaExecutor.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/engine/PackFile.h"

#include <cstdlib>
#include <cstring>
#include <vector>

namespace tern::rt {

using namespace cuda;

class CudaExecutor {
public:
  const Driver *d = nullptr;
  const tern_model *model = nullptr;
  CUdevice dev = 0;
  bool retained = false;
  CUcontext ctx = nullptr;
  CUmodule mod = nullptr;
  CUstream stream = nullptr;
  CUdeviceptr weights = 0, arena = 0;
  std::vector<CUfunction> fns;
  std::vector<CUfunction> singleFns; ///< decode variants, or nullptr
  std::vector<CUdeviceptr> base; ///< every buffer's device address
  std::vector<std::pair<CUdeviceptr, size_t>> state;
  CUdeviceptr tokens = 0, logits = 0;
  CUdeviceptr pos = 0;   ///< the position cell the kernels read start from
  int64_t hostPos = 0;   ///< its value, copied from here before each call
  // The decode step (one token, the head's row) as a CUDA graph, captured
  // on the first such call and replayed after; off after a failed capture
  // or with TERN_CUDA_GRAPH=0.
  bool useGraph = true;
  CUgraph graph = nullptr;
  CUgraphExec graphExec = nullptr;
  std::string name;
  int major = 0, minor = 0;

  /// True on success; else *err names the model file and the failed call.
  bool ok(const char *call, CUresult r, std::string *err) const {
    if (r != kSuccess)
      *err = model->path + ": " + d->describe(call, r);
    return r == kSuccess;
  }

  ~CudaExecutor() {
    if (!d)
      return;
    if (ctx)
      d->ctxSetCurrent(ctx);
    if (graphExec)
      d->graphExecDestroy(graphExec);
    if (graph)
      d->graphDestroy(graph);
    if (stream)
      d->streamDestroy(stream);
    if (arena)
      d->memFree(arena);
    if (weights)
      d->memFree(weights);
    if (mod)
      d->moduleUnload(mod);
    if (retained)
      d->primaryCtxRelease(dev);
  }
};

void CudaExecutorDeleter::operator()(CudaExecutor *e) const { delete e; }

namespace {
constexpr uint64_t kDevAlign = 256;
uint64_t roundUp(uint64_t v) { return (v + kDevAlign - 1) / kDevAlign * kDevAlign; }
} // namespace

CudaExecutorPtr cudaExecutorNew(const tern_model *model, std::string *err) {
  const Driver *d = driver(err);
  if (!d)
    return nullptr;
  CudaExecutorPtr e(new CudaExecutor);
  e->d = d;
  e->model = model;
  const tern_pack_header &h = *model->header;
  int count = 0;
  if (!e->ok("cuDeviceGetCount", d->deviceGetCount(&count), err))
    return nullptr;
  const int ordinal = cudaDeviceOrdinal();
  if (count < 1 || ordinal < 0 || ordinal >= count) {
    *err = "no CUDA device " + std::to_string(ordinal) + " (this machine has " +
           std::to_string(count) + ")";
    return nullptr;
  }
  char name[256] = {0};
  if (!e->ok("cuDeviceGet", d->deviceGet(&e->dev, ordinal), err) ||
      !e->ok("cuDeviceGetName", d->deviceGetName(name, sizeof name - 1, e->dev), err) ||
      !e->ok("cuDeviceGetAttribute",
             d->deviceGetAttribute(&e->major, kAttrComputeCapabilityMajor, e->dev), err) ||
      !e->ok("cuDeviceGetAttribute",
             d->deviceGetAttribute(&e->minor, kAttrComputeCapabilityMinor, e->dev), err))
    return nullptr;
  e->name = name;
  // The model's target is sm_XY: the device must be at least that; sm_XYa
  // (architecture-specific instructions such as wgmma) runs on sm_XY only.
  const std::string target = model->target;
  const int want = target.size() > 3 ? std::atoi(target.c_str() + 3) : 0;
  const int have = e->major * 10 + e->minor;
  const bool exact = !target.empty() && target.back() == 'a';
  if (exact && have != want) {
    *err = model->path + ": compiled for " + target + " (sm_" + std::to_string(want) +
           " only) but GPU " + e->name + " is sm_" + std::to_string(have) +
           ": recompile with --target=sm_" + std::to_string(have);
    return nullptr;
  }
  if (have < want) {
    *err = model->path + ": compiled for " + target + " but GPU " + e->name + " is sm_" +
           std::to_string(have) + ": recompile with --target=sm_" + std::to_string(have);
    return nullptr;
  }
  if (!e->ok("cuDevicePrimaryCtxRetain", d->primaryCtxRetain(&e->ctx, e->dev), err))
    return nullptr;
  e->retained = true;
  if (!e->ok("cuCtxSetCurrent", d->ctxSetCurrent(e->ctx), err))
    return nullptr;

  // The PTX, JIT-compiled for this GPU; the JIT's own log on failure.
  std::vector<char> log(8192, 0);
  int opts[] = {kJitErrorLogBuffer, kJitErrorLogBufferSizeBytes};
  void *vals[] = {log.data(), reinterpret_cast<void *>(uintptr_t(log.size() - 1))};
  CUresult r = d->moduleLoadDataEx(&e->mod, model->kernels.ptx, 2, opts, vals);
  if (r != kSuccess) {
    *err = model->path + ": the CUDA driver cannot load the executable's PTX: " +
           d->describe("cuModuleLoadDataEx", r) + ": " + log.data();
    return nullptr;
  }
  const tern_kernel_table &kt = model->kernels;
  e->fns.resize(size_t(kt.num_kernels));
  e->singleFns.assign(size_t(kt.num_kernels), nullptr);
  for (int64_t k = 0; k < kt.num_kernels; ++k) {
    const tern_gpu_kernel &g = kt.gpu_kernels[k];
    for (int v = 0; v < 2; ++v) {
      const char *name = v ? g.single_token_name : g.name;
      if (!name)
        continue;
      r = d->moduleGetFunction(v ? &e->singleFns[k] : &e->fns[k], e->mod, name);
      if (r != kSuccess) {
        *err = model->path + ": the PTX has no kernel " + name + ": " +
               d->describe("cuModuleGetFunction", r);
        return nullptr;
      }
    }
  }

  // Device memory: weights (copied once), then one arena for the rest.
  const uint64_t batch = uint64_t(h.max_batch), vocab = uint64_t(h.vocab);
  std::vector<uint64_t> off(h.n_buffers, 0);
  uint64_t wBytes = 0, aBytes = 0;
  for (uint32_t i = 0; i < h.n_buffers; ++i) {
    const tern_buffer &b = model->buffers[i];
    if (b.kind == TERN_BUF_WEIGHT) {
      off[i] = wBytes;
      wBytes += roundUp(b.bytes);
      continue;
    }
    uint64_t bytes = b.kind == TERN_BUF_ACTIVATION ? b.bytes * batch
                     : b.kind == TERN_BUF_STATE    ? b.bytes
                     : b.kind == TERN_BUF_TOKENS   ? batch * 4
                                                   : vocab * 4 * batch;
    off[i] = aBytes;
    aBytes += roundUp(bytes);
  }
  const uint64_t posAt = aBytes;
  aBytes += roundUp(8);
  auto alloc = [&](CUdeviceptr *p, uint64_t bytes, const char *what) {
    CUresult r = d->memAlloc(p, size_t(bytes ? bytes : kDevAlign));
    if (r != kSuccess)
      *err = model->path + ": cannot allocate " + std::to_string(bytes) +
             " bytes of GPU memory for the " + what + ": " + d->describe("cuMemAlloc", r);
    return r == kSuccess;
  };
  if (!alloc(&e->weights, wBytes, "weights") ||
      !alloc(&e->arena, aBytes, "activations and KV cache") ||
      !e->ok("cuMemsetD8", d->memsetD8(e->arena, 0, size_t(aBytes)), err))
    return nullptr;
  e->pos = e->arena + posAt;
  e->base.resize(h.n_buffers);
  for (uint32_t i = 0; i < h.n_buffers; ++i) {
    const tern_buffer &b = model->buffers[i];
    if (b.kind == TERN_BUF_WEIGHT) {
      e->base[i] = e->weights + off[i];
      if (!e->ok("cuMemcpyHtoD",
                 d->memcpyHtoD(e->base[i], model->base + b.offset, size_t(b.bytes)), err))
        return nullptr;
      continue;
    }
    e->base[i] = e->arena + off[i];
    if (b.kind == TERN_BUF_STATE)
      e->state.emplace_back(e->base[i], size_t(b.bytes));
    else if (b.kind == TERN_BUF_TOKENS)
      e->tokens = e->base[i];
    else if (b.kind == TERN_BUF_LOGITS)
      e->logits = e->base[i];
  }
  if (!e->ok("cuStreamCreate", d->streamCreate(&e->stream, kStreamNonBlocking), err))
    return nullptr;
  if (const char *g = std::getenv("TERN_CUDA_GRAPH"))
    e->useGraph = std::string(g) != "0";
  return e;
}

namespace {
/// One launch per step of the plan on e.stream.
bool launchSteps(CudaExecutor &e, int64_t tc, int64_t start, bool head, int64_t t0,
                 std::string *err) {
  const Driver &d = *e.d;
  const tern_model &m = *e.model;
  const tern_pack_header &h = *m.header;
  CUdeviceptr ptrs[TERN_MAX_KERNEL_ARGS + 1];
  int64_t ints[5];
  void *params[TERN_MAX_KERNEL_ARGS + 6];
  for (uint32_t s = 0; s < h.n_steps; ++s) {
    const tern_step &st = m.steps[s];
    const bool isHead = (st.flags & TERN_STEP_HEAD) != 0;
    if (isHead && !head)
      continue;
    const int64_t st0 = isHead ? t0 : 0;
    const int64_t lo = st.range_kind == TERN_RANGE_TOKENS ? st0 : 0;
    const int64_t hi = st.range_kind == TERN_RANGE_TOKENS ? tc : st.range;
    const tern_gpu_kernel &k = m.kernels.gpu_kernels[st.kernel];
    for (uint32_t a = 0; a < st.nargs; ++a) {
      ptrs[a] = e.base[st.args[a]];
      params[a] = &ptrs[a];
    }
    ints[0] = st0;
    ints[1] = tc;
    ints[2] = start;
    ints[3] = lo;
    ints[4] = hi;
    for (int i = 0; i < 5; ++i)
      params[st.nargs + i] = &ints[i];
    ptrs[st.nargs] = e.pos;
    params[st.nargs + 5] = &ptrs[st.nargs];
    const int64_t blocks = (hi - lo + k.items_per_block - 1) / k.items_per_block;
    CUfunction fn = tc - st0 == 1 && e.singleFns[st.kernel] ? e.singleFns[st.kernel]
                                                             : e.fns[st.kernel];
    CUresult r = d.launchKernel(fn, unsigned(blocks), 1, 1, k.block_threads, 1, 1, 0,
                                e.stream, params, nullptr);
    if (r != kSuccess) {
      *err = m.path + ": step " + std::to_string(s) + " (kernel " + k.name + "): " +
             d.describe("cuLaunchKernel", r);
      return false;
    }
  }
  return true;
}

/// Captures the decode step's launches into e.graphExec; false (and graphs
/// off, the stream usable) when the driver refuses.
bool captureDecode(CudaExecutor &e, int64_t start) {
  const Driver &d = *e.d;
  std::string ignored;
  if (d.streamBeginCapture(e.stream, kCaptureModeRelaxed) != kSuccess)
    return e.useGraph = false;
  const bool launched = launchSteps(e, 1, start, true, 0, &ignored);
  CUgraph g = nullptr;
  const bool ended = d.streamEndCapture(e.stream, &g) == kSuccess && g;
  if (!launched || !ended ||
      d.graphInstantiate(&e.graphExec, g, 0) != kSuccess) {
    if (g)
      d.graphDestroy(g);
    e.graphExec = nullptr;
    return e.useGraph = false;
  }
  e.graph = g;
  return true;
}
} // namespace

bool cudaRunChunk(CudaExecutor &e, const int32_t *tokens, int64_t tc, int64_t start,
                  bool head, int64_t t0, float *logits, std::string *err) {
  const Driver &d = *e.d;
  const tern_model &m = *e.model;
  const tern_pack_header &h = *m.header;
  e.hostPos = start;
  if (!e.ok("cuCtxSetCurrent", d.ctxSetCurrent(e.ctx), err) ||
      !e.ok("cuMemcpyHtoDAsync",
             d.memcpyHtoDAsync(e.tokens, tokens, size_t(tc) * 4, e.stream), err) ||
      !e.ok("cuMemcpyHtoDAsync", d.memcpyHtoDAsync(e.pos, &e.hostPos, 8, e.stream), err))
    return false;
  // A decode step: the same launches with the same arguments every time
  // (the position is read from the cell), so a graph replays them.
  const bool decode = tc == 1 && head && t0 == 0;
  if (decode && e.useGraph && (e.graphExec || captureDecode(e, start))) {
    if (!e.ok("cuGraphLaunch", d.graphLaunch(e.graphExec, e.stream), err))
      return false;
  } else if (!launchSteps(e, tc, start, head, t0, err)) {
    return false;
  }
  const uint64_t row = uint64_t(h.vocab) * 4;
  if (head && e.logits &&
      !e.ok("cuMemcpyDtoHAsync",
             d.memcpyDtoHAsync(logits + t0 * h.vocab, e.logits + t0 * row,
                               size_t((tc - t0) * row), e.stream), err))
    return false;
  return e.ok("cuStreamSynchronize", d.streamSynchronize(e.stream), err);
}

bool cudaReset(CudaExecutor &e, std::string *err) {
  for (auto &region : e.state)
    if (!e.ok("cuMemsetD8", e.d->memsetD8(region.first, 0, region.second), err))
      return false;
  return true;
}

std::string cudaDeviceDescription(const CudaExecutor &e) {
  return e.name + " (sm_" + std::to_string(e.major * 10 + e.minor) + ")";
}

} // namespace tern::rt
