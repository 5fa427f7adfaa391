//===- model_config.cpp - BitNet b1.58 model hyper-parameters -------------===//

#include "runtime/reference/model_config.h"

#include <cmath>

namespace tern {
namespace ref {

static bool fail(std::string *err, const std::string &msg) {
  if (err)
    *err = msg;
  return false;
}

bool validate(const ModelConfig &c, std::string *err) {
  struct Field {
    const char *name;
    int value;
  };
  const Field sizes[] = {{"hidden", c.hidden},       {"ffn", c.ffn},
                         {"layers", c.layers},       {"heads", c.heads},
                         {"kv_heads", c.kv_heads},   {"head_dim", c.head_dim},
                         {"vocab", c.vocab},         {"max_context", c.max_context}};
  for (const Field &f : sizes)
    if (f.value <= 0)
      return fail(err, std::string("model config: ") + f.name +
                           " must be positive, got " + std::to_string(f.value));
  if (c.heads % c.kv_heads != 0)
    return fail(err, "model config: heads (" + std::to_string(c.heads) +
                         ") must be a multiple of kv_heads (" +
                         std::to_string(c.kv_heads) + ")");
  if (c.head_dim % 2 != 0)
    return fail(err, "model config: head_dim must be even for rotary "
                     "embeddings, got " +
                         std::to_string(c.head_dim));
  if (!std::isfinite(c.rope_theta) || !(c.rope_theta > 0.0f))
    return fail(err, "model config: rope_theta must be positive and finite, "
                     "got " +
                         std::to_string(c.rope_theta));
  if (!std::isfinite(c.rms_eps) || c.rms_eps < 0.0f)
    return fail(err, "model config: rms_eps must be non-negative and finite, "
                     "got " +
                         std::to_string(c.rms_eps));
  return true;
}

ModelConfig presetConfig(const std::string &name, bool *ok) {
  ModelConfig c;
  c.rope_theta = 500000.0f;
  c.rms_eps = 1e-5f;
  c.tied_embeddings = true;
  bool found = true;
  if (name == "tiny") {
    c.hidden = 256;
    c.ffn = 512;
    c.layers = 2;
    c.heads = 4;
    c.kv_heads = 2;
    c.head_dim = 64;
    c.vocab = 512;
    c.max_context = 256;
  } else if (name == "micro") {
    // The smallest model every target compiles (one layer, 64 wide): the
    // runtime fuzz target runs its real kernels on each mutated .tpack.
    c.hidden = 64;
    c.ffn = 128;
    c.layers = 1;
    c.heads = 2;
    c.kv_heads = 1;
    c.head_dim = 32;
    c.vocab = 128;
    c.max_context = 32;
  } else if (name == "small") {
    c.hidden = 256;
    c.ffn = 768;
    c.layers = 4;
    c.heads = 8;
    c.kv_heads = 2;
    c.head_dim = 32;
    c.vocab = 4096;
    c.max_context = 512;
  } else if (name == "2b4t") {
    // microsoft/bitnet-b1.58-2B-4T config.json.
    c.hidden = 2560;
    c.ffn = 6912;
    c.layers = 30;
    c.heads = 20;
    c.kv_heads = 5;
    c.head_dim = 128;
    c.vocab = 128256;
    c.max_context = 4096;
  } else {
    c = ModelConfig();
    found = false;
  }
  if (ok)
    *ok = found;
  return c;
}

} // namespace ref
} // namespace tern
