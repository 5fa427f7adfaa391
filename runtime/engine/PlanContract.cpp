//===- PlanContract.cpp - derive and check the plan contract --------------===//
//
// deriveContract: one entry per kernel from the steps that call it (a
// kernel no step calls gets range_kind kUnused, and a .tpack step calling
// it is refused; a buffer no step uses is an error, as it would be
// unbounded). checkContract, in order: the contract itself (magic, entry
// size, kernel count), the header's configuration field by field, the
// buffer and step counts, then every step: range kind, range, grain, flags,
// argument count, and each argument's buffer kind and bytes; last, that
// every buffer is some step's argument.
//
//===----------------------------------------------------------------------===//
#include "runtime/engine/PlanContract.h"

#include <cstring>

static_assert(sizeof(tern_kernel_arg) == 16, "tern_kernel_arg layout");
static_assert(sizeof(tern_kernel_contract) == 32 + 16 * TERN_MAX_KERNEL_ARGS,
              "tern_kernel_contract layout");
static_assert(sizeof(tern_plan_contract) == 64, "tern_plan_contract layout");

namespace tern::rt {

namespace {

/// range_kind of a kernel that no step calls.
constexpr uint32_t kUnused = 0xffffffffu;

std::string str(uint64_t v) { return std::to_string(v); }
std::string str(int64_t v) { return std::to_string(v); }

tern_kernel_contract entryOf(const tern_step &s, const tern_buffer *buffers) {
  tern_kernel_contract e;
  std::memset(&e, 0, sizeof e);
  e.range_kind = s.range_kind;
  e.flags = s.flags;
  e.range = s.range;
  e.grain = s.grain;
  e.nargs = s.nargs;
  for (uint32_t a = 0; a < s.nargs && a < TERN_MAX_KERNEL_ARGS; ++a) {
    e.args[a].kind = buffers[s.args[a]].kind;
    e.args[a].bytes = buffers[s.args[a]].bytes;
  }
  return e;
}

std::string describeArg(uint32_t kind, uint64_t bytes) {
  const bool perRow = kind == TERN_BUF_ACTIVATION || kind == TERN_BUF_TOKENS ||
                      kind == TERN_BUF_LOGITS;
  return std::string(bufferKindName(kind)) + " of " + str(bytes) +
         (perRow ? " bytes per row" : " bytes");
}

/// Empty when `s` calls its kernel as `e` says, else what differs.
std::string mismatch(const tern_step &s, const tern_buffer *buffers,
                     const tern_kernel_contract &e) {
  if (s.range_kind != e.range_kind)
    return std::string("ranges over ") +
           (s.range_kind == TERN_RANGE_TOKENS ? "tokens" : "a fixed range") +
           " but the kernel ranges over " +
           (e.range_kind == TERN_RANGE_TOKENS ? "tokens" : "a fixed range");
  if (s.range != e.range)
    return "has range " + str(s.range) + " but the kernel covers " +
           str(e.range) + " items";
  if (s.grain != e.grain)
    return "has grain " + str(s.grain) + " but the kernel's is " + str(e.grain);
  if (s.flags != e.flags)
    return "has flags " + str(uint64_t(s.flags)) + " but the kernel's are " +
           str(uint64_t(e.flags));
  if (s.nargs != e.nargs)
    return "passes " + str(uint64_t(s.nargs)) + " arguments but the kernel takes " +
           str(uint64_t(e.nargs));
  for (uint32_t a = 0; a < s.nargs; ++a) {
    const tern_buffer &b = buffers[s.args[a]];
    if (b.kind != e.args[a].kind || b.bytes != e.args[a].bytes)
      return "argument " + str(uint64_t(a)) + " is buffer " +
             str(uint64_t(s.args[a])) + " (" + describeArg(b.kind, b.bytes) +
             ") but the kernel indexes " +
             describeArg(e.args[a].kind, e.args[a].bytes);
  }
  return "";
}

struct ConfigField {
  const char *what;
  int32_t file, compiled;
};

} // namespace

const char *bufferKindName(uint32_t kind) {
  switch (kind) {
  case TERN_BUF_WEIGHT:
    return "weight";
  case TERN_BUF_ACTIVATION:
    return "activation";
  case TERN_BUF_STATE:
    return "state";
  case TERN_BUF_TOKENS:
    return "tokens";
  case TERN_BUF_LOGITS:
    return "logits";
  default:
    return "unknown";
  }
}

bool deriveContract(const tern_pack_header &h, const tern_buffer *buffers,
                    const tern_step *steps, uint32_t numKernels,
                    std::vector<uint8_t> *bytes, std::string *err) {
  tern_plan_contract c;
  std::memset(&c, 0, sizeof c);
  std::memcpy(c.magic, TERN_CONTRACT_MAGIC, 8);
  c.entry_bytes = sizeof(tern_kernel_contract);
  c.num_kernels = numKernels;
  copyModelShape(h, &c);
  c.n_buffers = h.n_buffers;
  c.n_steps = h.n_steps;

  std::vector<tern_kernel_contract> entries(numKernels);
  std::vector<int64_t> firstStep(numKernels, -1);
  for (auto &e : entries) {
    std::memset(&e, 0, sizeof e);
    e.range_kind = kUnused;
  }
  for (uint32_t i = 0; i < h.n_steps; ++i) {
    const tern_step &s = steps[i];
    if (s.kernel >= numKernels) {
      *err = "step " + str(uint64_t(i)) + " calls kernel " + str(uint64_t(s.kernel)) +
             " of " + str(uint64_t(numKernels));
      return false;
    }
    if (s.nargs > TERN_MAX_KERNEL_ARGS) {
      *err = "step " + str(uint64_t(i)) + " has " + str(uint64_t(s.nargs)) + " arguments";
      return false;
    }
    for (uint32_t a = 0; a < s.nargs; ++a)
      if (s.args[a] >= h.n_buffers) {
        *err = "step " + str(uint64_t(i)) + " argument " + str(uint64_t(a)) +
               " is buffer " + str(uint64_t(s.args[a])) + " of " +
               str(uint64_t(h.n_buffers));
        return false;
      }
    if (firstStep[s.kernel] < 0) {
      firstStep[s.kernel] = i;
      entries[s.kernel] = entryOf(s, buffers);
      continue;
    }
    std::string why = mismatch(s, buffers, entries[s.kernel]);
    if (!why.empty()) {
      *err = "steps " + str(firstStep[s.kernel]) + " and " + str(uint64_t(i)) +
             " call kernel " + str(uint64_t(s.kernel)) +
             " differently: the second " + why;
      return false;
    }
  }
  std::vector<bool> used(h.n_buffers, false);
  for (uint32_t i = 0; i < h.n_steps; ++i)
    for (uint32_t a = 0; a < steps[i].nargs; ++a)
      used[steps[i].args[a]] = true;
  for (uint32_t b = 0; b < h.n_buffers; ++b)
    if (!used[b]) {
      *err = "buffer " + str(uint64_t(b)) + " (" + bufferKindName(buffers[b].kind) +
             ") is no step's argument";
      return false;
    }
  bytes->resize(sizeof c + entries.size() * sizeof(tern_kernel_contract));
  std::memcpy(bytes->data(), &c, sizeof c);
  if (!entries.empty())
    std::memcpy(bytes->data() + sizeof c, entries.data(),
                entries.size() * sizeof(tern_kernel_contract));
  return true;
}

bool checkContract(const tern_pack_header &h, const tern_buffer *buffers,
                   const tern_step *steps, const tern_plan_contract *c,
                   int64_t numKernels, const std::string &name,
                   std::string *err) {
  auto fail = [&](const std::string &msg) {
    *err = name + ": " + msg;
    return false;
  };
  if (!c)
    return fail("the executable carries no plan contract (what its kernels "
                "index): it was not linked by this tern-compile; recompile the model");
  if (std::memcmp(c->magic, TERN_CONTRACT_MAGIC, 8) != 0 ||
      c->entry_bytes != sizeof(tern_kernel_contract))
    return fail("the executable's plan contract is not a " TERN_CONTRACT_MAGIC
                " contract of this runtime: recompile the model");
  if (int64_t(c->num_kernels) != numKernels)
    return fail("the executable's plan contract describes " +
                str(uint64_t(c->num_kernels)) + " kernels but it has " +
                str(numKernels) + ": recompile the model");
  const ConfigField fields[] = {
      {"vocab", h.vocab, c->vocab},          {"hidden", h.hidden, c->hidden},
      {"layers", h.layers, c->layers},       {"heads", h.heads, c->heads},
      {"kv_heads", h.kv_heads, c->kv_heads}, {"head_dim", h.head_dim, c->head_dim},
      {"ffn", h.ffn, c->ffn},                {"max_context", h.max_context, c->max_context},
      {"max_batch", h.max_batch, c->max_batch}};
  for (const ConfigField &f : fields)
    if (f.file != f.compiled)
      return fail(std::string("config ") + f.what + " is " + std::to_string(f.file) +
                  " but the executable's kernels were compiled for " +
                  std::to_string(f.compiled) +
                  ": the .tpack does not belong to this executable (recompile the model)");
  if (h.n_buffers != c->n_buffers || h.n_steps != c->n_steps)
    return fail("the plan has " + str(uint64_t(h.n_buffers)) + " buffers and " +
                str(uint64_t(h.n_steps)) + " steps but the executable's has " +
                str(uint64_t(c->n_buffers)) + " and " + str(uint64_t(c->n_steps)) +
                ": the .tpack does not belong to this executable (recompile the model)");
  const tern_kernel_contract *entries = contractKernels(c);
  std::vector<bool> used(h.n_buffers, false);
  for (uint32_t i = 0; i < h.n_steps; ++i) {
    const tern_step &s = steps[i];
    const tern_kernel_contract &e = entries[s.kernel];
    const std::string where =
        "step " + str(uint64_t(i)) + " (kernel " + str(uint64_t(s.kernel)) + ")";
    if (e.range_kind == kUnused)
      return fail(where + " calls a kernel that no step of the compiled plan calls");
    std::string why = mismatch(s, buffers, e);
    if (!why.empty())
      return fail(where + " " + why);
    for (uint32_t a = 0; a < s.nargs; ++a)
      used[s.args[a]] = true;
  }
  for (uint32_t b = 0; b < h.n_buffers; ++b)
    if (!used[b])
      return fail("buffer " + str(uint64_t(b)) + " (" + bufferKindName(buffers[b].kind) +
                  ") is no step's argument: the executable's kernels do not bound it");
  return true;
}

} // namespace tern::rt
