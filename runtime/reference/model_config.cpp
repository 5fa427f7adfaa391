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
  if (!c.rope_freq_factors.empty()) {
    if (static_cast<int>(c.rope_freq_factors.size()) != c.head_dim / 2)
      return fail(err, "model config: " + std::to_string(c.rope_freq_factors.size()) +
                           " RoPE frequency factors for head_dim " +
                           std::to_string(c.head_dim) + " (expected head_dim / 2)");
    for (float f : c.rope_freq_factors)
      if (!std::isfinite(f) || !(f > 0.0f))
        return fail(err, "model config: RoPE frequency factors must be positive and "
                         "finite, got " +
                             std::to_string(f));
  }
  if (!std::isfinite(c.rms_eps) || c.rms_eps < 0.0f)
    return fail(err, "model config: rms_eps must be non-negative and finite, "
                     "got " +
                         std::to_string(c.rms_eps));
  return true;
}

bool ropeScalingFactors(const ModelConfig::RopeScaling &s, int head_dim, float theta,
                        std::vector<float> *factors, std::string *err) {
  factors->clear();
  if (s.type.empty())
    return true;
  if (!(s.factor > 0) || !std::isfinite(s.factor))
    return fail(err, "rope_scaling factor must be positive, got " + std::to_string(s.factor));
  const int half = head_dim / 2;
  if (s.type == "linear") {
    factors->assign(size_t(half), float(s.factor));
    return true;
  }
  if (s.type != "llama3")
    return fail(err, "rope_scaling type \"" + s.type +
                         "\" is not supported (tern applies llama3 and linear)");
  if (!(s.high_freq_factor > s.low_freq_factor) || !(s.low_freq_factor > 0) ||
      s.original_max_position <= 0)
    return fail(err, "rope_scaling llama3 needs 0 < low_freq_factor < high_freq_factor and "
                     "a positive original_max_position_embeddings");
  const double lowWave = s.original_max_position / s.low_freq_factor;
  const double highWave = s.original_max_position / s.high_freq_factor;
  for (int i = 0; i < half; ++i) {
    const double freq = 1.0 / std::pow(double(theta), double(2 * i) / double(head_dim));
    const double wavelen = 2 * M_PI / freq;
    double f;
    if (wavelen < highWave) {
      f = 1;
    } else if (wavelen > lowWave) {
      f = s.factor;
    } else {
      const double smooth = (s.original_max_position / wavelen - s.low_freq_factor) /
                            (s.high_freq_factor - s.low_freq_factor);
      f = 1 / ((1 - smooth) / s.factor + smooth);
    }
    factors->push_back(float(f));
  }
  return true;
}

bool applyFamily(const std::string &family, ModelConfig *c) {
  if (family == "bitnet") {
    c->activation = Activation::Relu2;
    c->sub_norms = true;
    c->scale_mode = ScaleMode::Multiply;
    c->tied_embeddings = true;
  } else if (family == "llama158") {
    c->activation = Activation::Silu;
    c->sub_norms = false;
    c->scale_mode = ScaleMode::Divide;
    c->tied_embeddings = false;
  } else if (family == "1bitllm") {
    c->activation = Activation::Silu;
    c->sub_norms = true;
    c->scale_mode = ScaleMode::Multiply;
    c->tied_embeddings = true;
  } else {
    return false;
  }
  return true;
}

const char *activationName(Activation a) {
  return a == Activation::Silu ? "silu" : "relu2";
}

std::string presetFamily(const std::string &name) {
  if (name == "llama3-8b" || name == "falcon3-1b")
    return "llama158";
  if (name == "bitnet-large")
    return "1bitllm";
  return "bitnet";
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
  } else if (name == "llama3-8b") {
    // HF1BitLLM/Llama3-8B-1.58-100B-tokens (Meta-Llama-3-8B-Instruct's shape).
    c.hidden = 4096;
    c.ffn = 14336;
    c.layers = 32;
    c.heads = 32;
    c.kv_heads = 8;
    c.head_dim = 128;
    c.vocab = 128256;
    c.max_context = 8192;
  } else if (name == "falcon3-1b") {
    // tiiuae/Falcon3-1B-Instruct-1.58bit: head_dim 256, vocab 131072.
    c.hidden = 2048;
    c.ffn = 8192;
    c.layers = 18;
    c.heads = 8;
    c.kv_heads = 4;
    c.head_dim = 256;
    c.vocab = 131072;
    c.max_context = 8192;
    c.rope_theta = 1000042.0f;
    c.rms_eps = 1e-6f;
  } else if (name == "bitnet-large") {
    // 1bitLLM/bitnet_b1_58-large (LLaMA 2 vocabulary, no GQA).
    c.hidden = 1536;
    c.ffn = 4096;
    c.layers = 24;
    c.heads = 16;
    c.kv_heads = 16;
    c.head_dim = 96;
    c.vocab = 32002;
    c.max_context = 2048;
    c.rope_theta = 10000.0f;
  } else {
    c = ModelConfig();
    found = false;
  }
  if (found)
    applyFamily(presetFamily(name), &c);
  if (ok)
    *ok = found;
  return c;
}

} // namespace ref
} // namespace tern
