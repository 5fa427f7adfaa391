//===- LoadHF.cpp - Load a Hugging Face BitNet checkpoint directory -------===//
//
// config.json + model.safetensors (or the shards named by
// model.safetensors.index.json). BitLinear weights are either packed
// (uint8 [out/4, in] plus a [1] weight_scale, microsoft/bitnet-b1.58-2B-4T)
// or float masters [out, in] (microsoft/bitnet-b1.58-2B-4T-bf16).
//
//===----------------------------------------------------------------------===//
#include "frontend/model/Fail.h"
#include "frontend/model/HFConfig.h"
#include "frontend/model/LoadInternal.h"
#include "frontend/model/MappedFile.h"
#include "frontend/model/TensorNames.h"
#include "frontend/safetensors/Safetensors.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <map>

namespace tern::model {

namespace {


std::string join(const std::string &dir, const std::string &name) {
  llvm::SmallString<256> p(dir);
  llvm::sys::path::append(p, name);
  return std::string(p.str());
}

bool encodingOf(st::DType d, Encoding *e) {
  switch (d) {
  case st::DType::F32:
    *e = Encoding::F32;
    return true;
  case st::DType::F16:
    *e = Encoding::F16;
    return true;
  case st::DType::BF16:
    *e = Encoding::BF16;
    return true;
  default:
    return false;
  }
}

struct Shard {
  std::shared_ptr<MappedFile> file;
  st::SafetensorsFile parsed;
};

} // namespace

bool loadHFDirectory(const std::string &dir, Model *out, std::string *err) {
  const std::string configPath = join(dir, "config.json");
  std::shared_ptr<MappedFile> configFile;
  if (!MappedFile::open(configPath, &configFile, err))
    return fail(err, configPath + ": cannot read the model's config.json "
                                  "(is " + dir + " an HF checkpoint?)");
  tern::ref::ModelConfig config;
  HFConfigExtras extras;
  if (!parseHFConfig(std::string(reinterpret_cast<const char *>(
                                     configFile->data()),
                                 configFile->size()),
                     configPath, &config, &extras, err))
    return false;

  // Which files hold the weights.
  std::vector<std::string> shardNames;
  std::map<std::string, std::string> weightMap; // tensor -> shard file
  const std::string indexPath = join(dir, "model.safetensors.index.json");
  if (llvm::sys::fs::exists(indexPath)) {
    std::shared_ptr<MappedFile> idx;
    if (!MappedFile::open(indexPath, &idx, err))
      return false;
    auto parsed = llvm::json::parse(llvm::StringRef(
        reinterpret_cast<const char *>(idx->data()), idx->size()));
    if (!parsed)
      return fail(err, indexPath + ": not valid JSON: " +
                           llvm::toString(parsed.takeError()));
    const llvm::json::Object *o = parsed->getAsObject();
    const llvm::json::Object *wm = o ? o->getObject("weight_map") : nullptr;
    if (!wm)
      return fail(err, indexPath + ": missing object \"weight_map\"");
    for (const auto &kv : *wm) {
      std::optional<llvm::StringRef> f = kv.second.getAsString();
      if (!f || f->contains('/') || f->contains('\\'))
        return fail(err, indexPath + ": weight_map entry '" + kv.first.str() +
                             "' must name a file in the same directory");
      weightMap[kv.first.str()] = f->str();
      if (std::find(shardNames.begin(), shardNames.end(), f->str()) ==
          shardNames.end())
        shardNames.push_back(f->str());
    }
  } else {
    shardNames.push_back("model.safetensors");
  }
  std::map<std::string, Shard> shards;
  for (const std::string &name : shardNames) {
    Shard s;
    const std::string path = join(dir, name);
    if (!MappedFile::open(path, &s.file, err))
      return false;
    if (!st::SafetensorsFile::parse(s.file->data(), s.file->size(), path,
                                    &s.parsed, err))
      return false;
    out->files.push_back(s.file);
    shards.emplace(name, std::move(s));
  }
  auto lookup = [&](const std::string &name, const Shard **shard)
      -> const st::TensorInfo * {
    auto it = weightMap.find(name);
    if (it != weightMap.end()) {
      const Shard &s = shards.at(it->second);
      *shard = &s;
      return s.parsed.find(name);
    }
    for (const auto &kv : shards)
      if (const st::TensorInfo *t = kv.second.parsed.find(name)) {
        *shard = &kv.second;
        return t;
      }
    *shard = &shards.begin()->second;
    return nullptr;
  };

  // A family without sub-norms whose checkpoint has one is a mislabelled
  // model: running it without would be silently wrong.
  if (!config.sub_norms)
    for (const char *name : {"model.layers.0.self_attn.attn_sub_norm.weight",
                             "model.layers.0.self_attn.inner_attn_ln.weight",
                             "model.layers.0.mlp.ffn_sub_norm.weight"}) {
      const Shard *shard = nullptr;
      if (lookup(name, &shard))
        return fail(err, shard->file->path + ": tensor '" + name + "' is a sub-norm, which a " +
                             extras.family + " model (config.json: model_type llama, "
                             "quant_method bitnet) does not have");
    }
  out->path = dir;
  out->arch = extras.family;
  out->config = config;
  bool sawPacked = false, sawMaster = false;
  for (const ExpectedTensor &e : expectedTensors(config)) {
    const Shard *shard = nullptr;
    const st::TensorInfo *t = lookup(e.hf_name, &shard);
    std::string stored = e.hf_name;
    if (!t && !e.hf_old_name.empty() && (t = lookup(e.hf_old_name, &shard)))
      stored = e.hf_old_name; // 1bitLLM's name of a sub-norm
    const std::string file = shard->file->path;
    const std::string where = file + ": tensor '" + stored + "'";
    if (!t)
      return fail(err, file + ": missing tensor '" + e.hf_name + "' (" +
                           shapeString(e.shape) + " for config.json" +
                           (e.hf_old_name.empty()
                                ? std::string()
                                : ", or '" + e.hf_old_name + "' as 1bitLLM names it") +
                           ")");
    Tensor x = tensorAt(e.hf_name, stored, file, e.shape, t->file_offset,
                        t->bytes, t->data);
    x.ternary = e.ternary;
    if (e.ternary && t->dtype == st::DType::U8) {
      // Packed: uint8 [out/4, in].
      std::vector<int64_t> packed = {e.shape[0] / 4, e.shape[1]};
      if (e.shape[0] % 4 != 0 || t->shape != packed)
        return fail(err, where + ": packed shape " + shapeString(t->shape) +
                             " contradicts config.json (expected " +
                             shapeString(packed) + " = [out/4, in] for " +
                             shapeString(e.shape) + ")");
      x.encoding = Encoding::HFPacked;
      const std::string sname =
          e.hf_name.substr(0, e.hf_name.size() - 6) + "weight_scale";
      const Shard *sshard = nullptr;
      const st::TensorInfo *s = lookup(sname, &sshard);
      if (!s)
        return fail(err, file + ": missing tensor '" + sname +
                             "' (the scale of packed '" + e.hf_name + "')");
      Encoding se;
      uint64_t n = 1;
      for (int64_t d : s->shape)
        n *= static_cast<uint64_t>(d);
      if (!encodingOf(s->dtype, &se) || n != 1)
        return fail(err, sshard->file->path + ": tensor '" + sname +
                             "': expected one float (BF16, F16 or F32), got " +
                             st::dtypeName(s->dtype) + " " +
                             shapeString(s->shape));
      Tensor st = tensorAt(sname, sname, sshard->file->path, {1},
                           s->file_offset, s->bytes, s->data);
      st.encoding = se;
      x.scale_tensor = addTensor(out, std::move(st));
      sawPacked = true;
    } else {
      Encoding enc;
      if (!encodingOf(t->dtype, &enc))
        return fail(err, where + ": dtype " + st::dtypeName(t->dtype) +
                             " is not supported (expected " +
                             (e.ternary ? "U8 packed ternary or BF16/F16/F32 "
                                          "master weights"
                                        : "BF16, F16 or F32") +
                             ")");
      if (t->shape != e.shape)
        return fail(err, where + ": shape " + shapeString(t->shape) +
                             " contradicts config.json (expected " +
                             shapeString(e.shape) + ")");
      x.encoding = enc;
      if (e.ternary)
        sawMaster = true;
    }
    addTensor(out, std::move(x));
  }
  out->format = sawPacked && !sawMaster ? "hf" : sawMaster && !sawPacked
                                                     ? "hf-master"
                                                     : "hf-mixed";
  const std::string tok = join(dir, "tokenizer.json");
  if (llvm::sys::fs::exists(tok))
    out->tokenizer.json_path = tok;
  const std::string spm = join(dir, "tokenizer.model");
  if (llvm::sys::fs::exists(spm))
    out->tokenizer.model_path = spm;
  return true;
}

} // namespace tern::model
