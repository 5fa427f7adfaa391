//===- tern-make-model.cpp - Write a deterministic synthetic BitNet model -===//
//
// Writes a random but reproducible BitNet b1.58 model in the formats people
// publish, so tests, demos and benchmarks never need downloaded weights:
//
//   tern-make-model --preset small -o small-hf               (HF, packed)
//   tern-make-model --preset small --format hf-master -o small-bf16
//   tern-make-model --preset 2b4t --format gguf --type i2_s -o 2b4t.gguf
//   tern-make-model --family llama158 --preset tiny -o tiny-llama158
//   tern-make-model --preset falcon3-1b -o falcon3-1b      (llama158 family)
//
// The same --preset and --seed give the same model in every format (values
// are chosen exactly representable in bf16 and f16). The LLaMA 3 tokenizer
// (tokenizer.json from --tokenizer, by default the one ./setup.sh installs)
// is written alongside; for a vocabulary smaller than 128256 it is cut down
// to the model's size (tern::tok::truncateVocabulary).
//
//===----------------------------------------------------------------------===//

#include "frontend/model/ModelWriter.h"
#include "frontend/tokenizer/TokenizerJSON.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/reference/model_config.h"
#include "runtime/reference/synthetic_model.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace cl = llvm::cl;

static cl::OptionCategory category("tern-make-model options");
static cl::opt<std::string> preset("preset", cl::desc("Model shape"),
                                   cl::value_desc("micro|tiny|small|2b4t|llama3-8b|falcon3-1b|bitnet-large"),
                                   cl::init("small"), cl::cat(category));
static cl::opt<std::string>
    ropeScaling("rope-scaling",
                cl::desc("Scale RoPE as HF's rope_scaling does: llama3 (Llama 3.1's factor 8, "
                         "low/high_freq_factor 1/4, original context 8192) or linear:F"),
                cl::value_desc("llama3|linear:F"), cl::init(""), cl::cat(category));
static cl::opt<std::string>
    family("family",
           cl::desc("Whose model to write: bitnet (BitNet b1.58 2B4T: relu2, "
                    "sub-norms, tied), llama158 (Llama-3 / Falcon3 1.58-bit: "
                    "silu, no sub-norms, divide scales, untied lm_head) or "
                    "1bitllm (bitnet_b1_58: silu, sub-norms, master weights); "
                    "default: the preset's"),
           cl::value_desc("bitnet|llama158|1bitllm"), cl::init(""),
           cl::cat(category));
static cl::opt<unsigned long long> seed("seed", cl::desc("Random seed"),
                                        cl::value_desc("N"), cl::init(1),
                                        cl::cat(category));
static cl::opt<std::string>
    format("format",
           cl::desc("hf (packed ternary safetensors, like "
                    "microsoft/bitnet-b1.58-2B-4T), hf-master (bf16 master "
                    "weights) or gguf"),
           cl::value_desc("hf|hf-master|gguf"), cl::init(""),
           cl::cat(category));
static cl::opt<std::string>
    ternaryType("type", cl::desc("GGUF type of the BitLinear weights (f32/f16/bf16: "
                                 "ternary x scale as floats, as converters write them)"),
                cl::value_desc("tq2_0|tq1_0|i2_s|f32|f16|bf16"), cl::init("tq2_0"),
                cl::cat(category));
static cl::opt<std::string>
    floatType("float-type",
              cl::desc("GGUF type of the embedding (and untied output)"),
              cl::value_desc("f16|f32|bf16|q8_0|q6_k"), cl::init("f16"),
              cl::cat(category));
static cl::opt<std::string>
    arch("arch", cl::desc("GGUF general.architecture (default: the family's: bitnet, or "
                          "llama for llama158)"),
         cl::value_desc("bitnet|bitnet-b1.58|bitnet-25|llama"), cl::init(""),
         cl::cat(category));
static cl::opt<float>
    outGain("out-gain",
            cl::desc("Gain on the o_proj and down_proj scales; the default "
                     "makes greedy output varied (a gain near 0 makes the "
                     "model echo its input token)"),
            cl::init(tern::ref::kDefaultOutGain), cl::cat(category));
static cl::opt<std::string>
    tokenizerPath("tokenizer",
                  cl::desc("tokenizer.json to include (default: the npm "
                           "LLaMA 3 one; LLaMA 2's for --family 1bitllm)"),
                  cl::value_desc("file"), cl::init(""),
                  cl::cat(category));
static cl::opt<bool> noTokenizer("no-tokenizer",
                                 cl::desc("Write the model without a tokenizer"),
                                 cl::cat(category));
static cl::opt<std::string> output("o", cl::desc("Output directory (hf) or file (gguf)"),
                                   cl::value_desc("path"), cl::Required,
                                   cl::cat(category));

static int fail(const std::string &msg) {
  llvm::errs() << "tern-make-model: error: " << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "tern-make-model: write a deterministic "
                              "synthetic BitNet b1.58 model\n");
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  bool known = false;
  tern::ref::ModelConfig config = tern::ref::presetConfig(preset, &known);
  if (!known)
    return fail("unknown --preset '" + preset +
                "' (expected micro, tiny, small, 2b4t, llama3-8b, falcon3-1b or "
                "bitnet-large)");
  const std::string fam = family.empty() ? tern::ref::presetFamily(preset) : family;
  if (!tern::ref::applyFamily(fam, &config))
    return fail("unknown --family '" + fam + "' (expected bitnet, llama158 or 1bitllm)");
  if (!ropeScaling.empty()) {
    tern::ref::ModelConfig::RopeScaling s;
    if (ropeScaling == "llama3") {
      s = {"llama3", 8.0, 1.0, 4.0, 8192};
    } else if (ropeScaling.getValue().rfind("linear:", 0) == 0) {
      s.type = "linear";
      s.factor = std::atof(ropeScaling.c_str() + 7);
    } else {
      return fail("unknown --rope-scaling '" + ropeScaling + "' (expected llama3 or linear:F)");
    }
    std::string serr;
    if (!tern::ref::ropeScalingFactors(s, config.head_dim, config.rope_theta,
                                       &config.rope_freq_factors, &serr))
      return fail("--rope-scaling: " + serr);
    config.rope_scaling = s;
  }
  // 1bitLLM publishes float master weights, the others packed ternary.
  if (format.empty())
    format = fam == "1bitllm" ? "hf-master" : "hf";
  if (format != "hf" && format != "hf-master" && format != "gguf")
    return fail("unknown --format '" + format +
                "' (expected hf, hf-master or gguf)");
  if (!(outGain > 0.0f))
    return fail("--out-gain must be positive");

  std::string err;
  tern::tok::TokenizerData tokens;
  bool haveTokenizer = false;
  if (!noTokenizer) {
    if (tokenizerPath.empty())
      tokenizerPath = fam == "1bitllm" ? TERN_DEFAULT_LLAMA2_TOKENIZER_JSON
                                       : TERN_DEFAULT_TOKENIZER_JSON;
    if (!llvm::sys::fs::exists(tokenizerPath))
      return fail(tokenizerPath + ": no tokenizer.json there (run ./setup.sh, "
                                  "pass --tokenizer FILE, or --no-tokenizer)");
    tern::tok::Tokenizer full;
    if (!tern::tok::tokenizerFromJSONFile(tokenizerPath, &full, &err))
      return fail(err);
    // A model vocabulary larger than the tokenizer's (falcon3-1b's 131072)
    // keeps the whole tokenizer: the extra embedding rows are never named,
    // as in padded published vocabularies.
    const int32_t fullV = int32_t(full.data().tokens.size());
    if (!tern::tok::truncateVocabulary(full.data(), std::min(config.vocab, fullV), &tokens,
                                       &err))
      return fail(err);
    // The family's chat format (the published models' templates).
    tokens.chat_template =
        fam == "bitnet"    ? tern::tok::ChatTemplateKind::BitNet
        : fam == "1bitllm" ? tern::tok::ChatTemplateKind::None
        : preset.rfind("falcon3", 0) == 0 ? tern::tok::ChatTemplateKind::Falcon3
                                          : tern::tok::ChatTemplateKind::Llama3;
    haveTokenizer = true;
  }

  llvm::errs() << "tern-make-model: generating " << fam << " '" << preset << "' (seed "
               << seed << "): " << config.layers << " layers, hidden "
               << config.hidden << ", ffn " << config.ffn << ", vocab "
               << config.vocab << "\n";
  tern::ref::ModelWeights weights =
      tern::ref::makeSyntheticWeights(config, seed, outGain);
  llvm::errs() << llvm::format("tern-make-model: weights generated in %.1f s\n",
                               elapsed());

  tern::model::WriteOptions options;
  options.format = format;
  options.family = fam;
  options.gguf_type = ternaryType;
  options.gguf_float_type = floatType;
  options.arch = arch;
  options.name = "tern synthetic " + fam + " (" + preset + ", seed " +
                 std::to_string(seed) + ")";
  options.tokenizer = haveTokenizer ? &tokens : nullptr;
  options.progress = [](const std::string &line) {
    llvm::errs() << "tern-make-model: " << line << "\n";
  };
  if (!tern::model::writeModel(output, config, weights, options, &err))
    return fail(err);
  llvm::errs() << llvm::format("tern-make-model: wrote %s in %.1f s\n",
                               output.c_str(), elapsed());
  return 0;
}
