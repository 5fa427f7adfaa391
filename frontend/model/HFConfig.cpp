//===- HFConfig.cpp - Hugging Face config.json of a BitNet model ----------===//
#include "frontend/model/HFConfig.h"
#include "frontend/model/Fail.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace tern::model {

bool parseHFConfig(const std::string &text, const std::string &file,
                   tern::ref::ModelConfig *config, HFConfigExtras *extras,
                   std::string *err) {
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(text);
  if (!parsed)
    return fail(err, file + ": not valid JSON: " +
                         llvm::toString(parsed.takeError()));
  const llvm::json::Object *o = parsed->getAsObject();
  if (!o)
    return fail(err, file + ": not a JSON object");
  std::optional<llvm::StringRef> type = o->getString("model_type");
  if (!type)
    return fail(err, file + ": missing \"model_type\"");
  // The family, from what the file says of itself.
  bool bitnetArch = false; // 1bitLLM's custom BitnetForCausalLM
  if (const llvm::json::Array *archs = o->getArray("architectures"))
    for (const llvm::json::Value &a : *archs)
      bitnetArch |= a.getAsString() == llvm::StringRef("BitnetForCausalLM");
  const llvm::json::Object *qc = o->getObject("quantization_config");
  std::optional<llvm::StringRef> quantMethod =
      qc ? qc->getString("quant_method") : std::nullopt;
  if (qc && quantMethod && *quantMethod != "bitnet")
    return fail(err, file + ": quantization_config.quant_method \"" +
                         quantMethod->str() +
                         "\" is not ternary (expected \"bitnet\")");

  std::string family;
  if (*type == "bitnet")
    family = "bitnet";
  else if (*type == "llama" && quantMethod == llvm::StringRef("bitnet"))
    family = "llama158";
  else if (*type == "llama" && bitnetArch)
    family = "1bitllm";
  else if (*type == "llama")
    return fail(err, file + ": a llama model without ternary weights "
                            "(no quantization_config.quant_method \"bitnet\" "
                            "and not BitnetForCausalLM): tern runs ternary "
                            "(1.58-bit) models");
  else
    return fail(err, file + ": unknown architecture: model_type \"" +
                         type->str() +
                         "\" (tern runs \"bitnet\" models and ternary "
                         "\"llama\" ones)");
  tern::ref::ModelConfig c;
  auto integer = [&](const char *key, int *out, bool required) {
    const llvm::json::Value *v = o->get(key);
    if (!v)
      return !required ||
             fail(err, file + ": missing integer \"" + std::string(key) + "\"");
    std::optional<int64_t> x = v->getAsInteger();
    if (!x || *x <= 0 || *x > (int64_t(1) << 30))
      return fail(err, file + ": \"" + std::string(key) +
                           "\" must be a positive integer");
    *out = static_cast<int>(*x);
    return true;
  };
  if (!integer("hidden_size", &c.hidden, true) ||
      !integer("intermediate_size", &c.ffn, true) ||
      !integer("num_hidden_layers", &c.layers, true) ||
      !integer("num_attention_heads", &c.heads, true) ||
      !integer("vocab_size", &c.vocab, true) ||
      !integer("max_position_embeddings", &c.max_context, true))
    return false;
  c.kv_heads = c.heads;
  if (!integer("num_key_value_heads", &c.kv_heads, false))
    return false;
  c.head_dim = c.hidden / c.heads;
  if (o->get("head_dim") && !o->get("head_dim")->getAsNull() &&
      !integer("head_dim", &c.head_dim, false))
    return false;
  auto number = [&](const char *key, float *out) {
    const llvm::json::Value *v = o->get(key);
    if (!v)
      return true;
    std::optional<double> x = v->getAsNumber();
    if (!x)
      return fail(err, file + ": \"" + std::string(key) + "\" must be a number");
    *out = static_cast<float>(*x);
    return true;
  };
  c.rope_theta = 10000.0f; // HF default when absent
  c.rms_eps = 1e-6f;
  if (!number("rope_theta", &c.rope_theta) || !number("rms_norm_eps", &c.rms_eps))
    return false;
  if (!tern::ref::applyFamily(family, &c))
    return fail(err, file + ": internal: unknown family " + family);
  // The family's choices (applyFamily) where the file is silent.
  c.tied_embeddings = o->getBoolean("tie_word_embeddings").value_or(c.tied_embeddings);
  if (const llvm::json::Value *act = o->get("hidden_act")) {
    std::optional<llvm::StringRef> a = act->getAsString();
    if (a == llvm::StringRef("relu2"))
      c.activation = tern::ref::Activation::Relu2;
    else if (a == llvm::StringRef("silu") || a == llvm::StringRef("swish"))
      c.activation = tern::ref::Activation::Silu;
    else
      return fail(err, file + ": hidden_act " +
                           (a ? "\"" + a->str() + "\"" : std::string("(not a string)")) +
                           " is not supported (expected \"relu2\" or \"silu\")");
  }
  // Packed weights' scale: AutoBitLinear (linear_class autobitlinear)
  // multiplies, transformers' plain BitLinear divides.
  c.scale_mode = qc ? tern::ref::ScaleMode::Divide : tern::ref::ScaleMode::Multiply;
  if (qc)
    if (std::optional<llvm::StringRef> lc = qc->getString("linear_class")) {
      if (*lc == "autobitlinear")
        c.scale_mode = tern::ref::ScaleMode::Multiply;
      else if (*lc != "bitlinear")
        return fail(err, file + ": quantization_config.linear_class \"" +
                             lc->str() +
                             "\" is unknown (expected autobitlinear or bitlinear)");
    }
  if (const llvm::json::Value *rs = o->get("rope_scaling"))
    if (!rs->getAsNull()) {
      const llvm::json::Object *r = rs->getAsObject();
      std::optional<llvm::StringRef> kind =
          r ? r->getString("rope_type") : std::nullopt;
      if (!kind && r)
        kind = r->getString("type");
      if (!kind)
        return fail(err, file + ": rope_scaling has no rope_type");
      if (*kind != "default") {
        tern::ref::ModelConfig::RopeScaling s;
        s.type = kind->str();
        auto num = [&](const char *key, double *out) {
          if (const llvm::json::Value *v = r->get(key)) {
            std::optional<double> x = v->getAsNumber();
            if (!x)
              return fail(err, file + ": rope_scaling." + key + " must be a number");
            *out = *x;
          }
          return true;
        };
        double orig = s.original_max_position;
        if (!num("factor", &s.factor) || !num("low_freq_factor", &s.low_freq_factor) ||
            !num("high_freq_factor", &s.high_freq_factor) ||
            !num("original_max_position_embeddings", &orig))
          return false;
        s.original_max_position = int(orig);
        std::string serr;
        if (!tern::ref::ropeScalingFactors(s, c.head_dim, c.rope_theta, &c.rope_freq_factors,
                                           &serr))
          return fail(err, file + ": " + serr);
        c.rope_scaling = s;
      }
    }
  std::string verr;
  if (!tern::ref::validate(c, &verr))
    return fail(err, file + ": " + verr);
  if (extras) {
    HFConfigExtras e;
    if (std::optional<int64_t> b = o->getInteger("bos_token_id"))
      e.bos_token_id = static_cast<int>(*b);
    if (std::optional<int64_t> x = o->getInteger("eos_token_id"))
      e.eos_token_id = static_cast<int>(*x);
    e.quantized = qc != nullptr;
    e.family = family;
    *extras = e;
  }
  *config = c;
  return true;
}

bool writeHFConfig(const tern::ref::ModelConfig &c, const HFConfigExtras &e,
                   std::string *text, std::string *err) {
  const bool llama = e.family == "llama158" || e.family == "1bitllm";
  if (e.family != "bitnet" && !llama)
    return fail(err, "unknown model family '" + e.family +
                         "' (expected bitnet, llama158 or 1bitllm)");
  // What the family's files imply, which the config must agree with.
  const bool subNorms = e.family != "llama158";
  if (c.sub_norms != subNorms)
    return fail(err, "a " + e.family + " checkpoint " +
                         (subNorms ? "has" : "has no") +
                         " sub-norms, and this model " +
                         (c.sub_norms ? "has" : "has none"));
  if (e.family == "1bitllm" && e.quantized)
    return fail(err, "1bitLLM checkpoints hold float master weights: write "
                     "them with format hf-master");
  if (e.family == "llama158" && !e.quantized)
    return fail(err, "llama158 checkpoints hold packed ternary weights (a llama "
                     "config without quant_method bitnet is not a ternary model): "
                     "write them with format hf");
  llvm::json::Object o{
      {"architectures",
       llvm::json::Array{e.family == "bitnet"    ? "BitNetForCausalLM"
                         : e.family == "1bitllm" ? "BitnetForCausalLM"
                                                 : "LlamaForCausalLM"}},
      {"attention_bias", false},
      {"attention_dropout", 0.0},
      {"bos_token_id", e.bos_token_id},
      {"eos_token_id", e.eos_token_id},
      {"head_dim", c.head_dim},
      {"hidden_act", tern::ref::activationName(c.activation)},
      {"hidden_size", c.hidden},
      {"initializer_range", 0.02},
      {"intermediate_size", c.ffn},
      {"max_position_embeddings", c.max_context},
      {"model_type", llama ? "llama" : "bitnet"},
      {"num_attention_heads", c.heads},
      {"num_hidden_layers", c.layers},
      {"num_key_value_heads", c.kv_heads},
      {"rms_norm_eps", static_cast<double>(c.rms_eps)},
      {"rope_scaling", nullptr}, // set below when the model scales RoPE
      {"rope_theta", static_cast<double>(c.rope_theta)},
      {"tie_word_embeddings", c.tied_embeddings},
      {"torch_dtype", "bfloat16"},
      {"use_cache", true},
      {"vocab_size", c.vocab},
  };
  if (!c.rope_freq_factors.empty()) {
    const tern::ref::ModelConfig::RopeScaling &s = c.rope_scaling;
    std::vector<float> again;
    std::string serr;
    if (s.type.empty() ||
        !tern::ref::ropeScalingFactors(s, c.head_dim, c.rope_theta, &again, &serr) ||
        again != c.rope_freq_factors)
      return fail(err, "the model's RoPE frequency factors come from no rope_scaling "
                       "config.json can say (a GGUF rope_freqs tensor?): write it as GGUF");
    llvm::json::Object r{{"rope_type", s.type}, {"factor", s.factor}};
    if (s.type == "llama3") {
      r["low_freq_factor"] = s.low_freq_factor;
      r["high_freq_factor"] = s.high_freq_factor;
      r["original_max_position_embeddings"] = s.original_max_position;
    }
    o["rope_scaling"] = std::move(r);
  }
  if (e.quantized) {
    llvm::json::Object q{{"quant_method", "bitnet"}};
    if (c.scale_mode == tern::ref::ScaleMode::Multiply) {
      q["linear_class"] = "autobitlinear";
      q["quantization_mode"] = "offline";
    } else {
      q["modules_to_not_convert"] = nullptr;
    }
    o["quantization_config"] = std::move(q);
  }
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(o)));
  os.flush();
  *text = s + "\n";
  return true;
}

} // namespace tern::model
