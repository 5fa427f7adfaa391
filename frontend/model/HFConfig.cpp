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
  if (*type != "bitnet")
    return fail(err, file + ": unknown architecture: model_type \"" +
                         type->str() + "\" (tern runs \"bitnet\" models)");
  if (std::optional<llvm::StringRef> act = o->getString("hidden_act"))
    if (*act != "relu2")
      return fail(err, file + ": hidden_act \"" + act->str() +
                           "\" is not supported (BitNet b1.58 uses relu2)");

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
  c.tied_embeddings = o->getBoolean("tie_word_embeddings").value_or(true);
  std::string verr;
  if (!tern::ref::validate(c, &verr))
    return fail(err, file + ": " + verr);
  if (extras) {
    HFConfigExtras e;
    if (std::optional<int64_t> b = o->getInteger("bos_token_id"))
      e.bos_token_id = static_cast<int>(*b);
    if (std::optional<int64_t> x = o->getInteger("eos_token_id"))
      e.eos_token_id = static_cast<int>(*x);
    e.quantized = o->getObject("quantization_config") != nullptr;
    *extras = e;
  }
  *config = c;
  return true;
}

std::string writeHFConfig(const tern::ref::ModelConfig &c,
                          const HFConfigExtras &e) {
  llvm::json::Object o{
      {"architectures", llvm::json::Array{"BitNetForCausalLM"}},
      {"attention_bias", false},
      {"attention_dropout", 0.0},
      {"bos_token_id", e.bos_token_id},
      {"eos_token_id", e.eos_token_id},
      {"head_dim", c.head_dim},
      {"hidden_act", "relu2"},
      {"hidden_size", c.hidden},
      {"initializer_range", 0.02},
      {"intermediate_size", c.ffn},
      {"max_position_embeddings", c.max_context},
      {"model_type", "bitnet"},
      {"num_attention_heads", c.heads},
      {"num_hidden_layers", c.layers},
      {"num_key_value_heads", c.kv_heads},
      {"rms_norm_eps", static_cast<double>(c.rms_eps)},
      {"rope_theta", static_cast<double>(c.rope_theta)},
      {"tie_word_embeddings", c.tied_embeddings},
      {"torch_dtype", "bfloat16"},
      {"use_cache", true},
      {"vocab_size", c.vocab},
  };
  if (e.quantized)
    o["quantization_config"] =
        llvm::json::Object{{"linear_class", "autobitlinear"},
                           {"quant_method", "bitnet"},
                           {"quantization_mode", "offline"}};
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(o)));
  os.flush();
  return s + "\n";
}

} // namespace tern::model
