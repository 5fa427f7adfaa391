//===- Pipeline.h - What a tokenizer does around its vocabulary -*- C++ -*-===//
//
// The pipeline a tokenizer.json (or a SentencePiece model, or GGUF metadata)
// declares, as plain data that the run-time blob carries:
//
//   text -> added tokens split out -> normalizers (per section between added
//   tokens) -> pre-tokenizers (pieces) -> the model (BPE by merge rank, or
//   SentencePiece BPE by piece score) -> byte fallback / unk -> ids
//
// and back: ids -> per-token bytes (the decoders) -> text. Sequences are
// flattened. The steps mean what Hugging Face tokenizers means by them; where
// transformers.js (the JS reference of the parity tests) differs, the header
// of the step that differs says which one tern follows.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_TOKENIZER_PIPELINE_H
#define TERN_RUNTIME_TOKENIZER_PIPELINE_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::tok {

/// Where the delimiters found by a split go (HF SplitDelimiterBehavior).
enum class SplitBehavior : uint8_t {
  Removed = 0,
  Isolated = 1,
  MergedWithPrevious = 2,
  MergedWithNext = 3,
  Contiguous = 4,
};

struct NormalizerStep {
  enum Kind : uint8_t {
    NFC = 0,
    NFD = 1,
    NFKC = 2,
    NFKD = 3,
    Prepend = 4, ///< content + text
    Replace = 5, ///< every `pattern` (a string, or a regex) -> content
    Strip = 6,   ///< JS trim of white space, left and/or right
  };
  Kind kind = NFC;
  std::string pattern;
  bool regex = false;
  std::string content;
  bool left = false, right = false;
};

struct PreTokenizerStep {
  enum Kind : uint8_t {
    /// `pattern` (string or regex) found in each piece, split by `behavior`;
    /// with `invert` the text between matches is what is found (HF's
    /// meaning; transformers.js instead keeps only the matches).
    Split = 0,
    /// add_prefix_space, GPT-2's regex when use_regex, then byte-level form.
    ByteLevel = 1,
    /// Unicode numbers (Rust's char::is_numeric) split off, one per piece
    /// with individual_digits, else runs.
    Digits = 2,
    /// ASCII and Unicode punctuation split by `behavior`.
    Punctuation = 3,
    /// ' ' -> replacement, the prepend scheme, and with `split` a new piece
    /// at each replacement (HF's meaning; transformers.js never splits).
    Metaspace = 4,
  };
  Kind kind = Split;
  std::string pattern;
  bool regex = false;
  SplitBehavior behavior = SplitBehavior::Isolated;
  bool invert = false;
  bool add_prefix_space = false;
  bool use_regex = true;
  bool individual_digits = false;
  std::string replacement; ///< Metaspace: UTF-8 of its one character
  enum Prepend : uint8_t { Always = 0, First = 1, Never = 2 };
  Prepend prepend_scheme = Always;
  bool split = true;
};

/// Decoding, per token: these make each token's bytes. Strip (after Fuse)
/// and Metaspace's first-token rule remove leading spaces of the whole text.
struct DecoderStep {
  enum Kind : uint8_t {
    ByteLevel = 0,    ///< byte-level text -> bytes (added tokens as is)
    Replace = 1,      ///< every `pattern` -> content (strings only)
    ByteFallback = 2, ///< "<0xNN>" -> byte NN
    Fuse = 3,         ///< nothing per token
    Strip = 4,        ///< `start` / `stop` copies of `content` off the text
    Metaspace = 5,    ///< replacement -> ' ', first space off unless Never
  };
  Kind kind = ByteLevel;
  std::string pattern, content;
  int32_t start = 0, stop = 0;
  PreTokenizerStep::Prepend prepend_scheme = PreTokenizerStep::Always;
};

enum class ModelKind : uint8_t {
  /// Merges by rank (tokenizer.json "BPE", GGUF "gpt2").
  Bpe = 0,
  /// SentencePiece BPE: merge the adjacent pair whose joined text is the
  /// token of highest score, leftmost first (tokenizer.model, GGUF "llama").
  Spm = 1,
};

struct Pipeline {
  std::vector<NormalizerStep> normalizers;
  std::vector<PreTokenizerStep> pre_tokenizers;
  std::vector<DecoderStep> decoders;
  ModelKind model = ModelKind::Bpe;
  /// A piece the vocabulary lacks becomes its bytes' "<0xNN>" tokens.
  bool byte_fallback = false;
  /// Consecutive unknown tokens become one.
  bool fuse_unk = false;

  /// LLaMA 3's (and every byte-level GPT-2-style tokenizer of tern before
  /// the pipeline existed): its split regex, ByteLevel without regex, BPE,
  /// ByteLevel decoding.
  static Pipeline llama3();
  /// LLaMA 3's split regex exactly as in its tokenizer.json.
  static const char *llama3SplitPattern();
  /// LLaMA 2's SentencePiece form as HF writes it: Prepend "▁" (with
  /// `addDummyPrefix`), Replace " " -> "▁"; byte fallback; decoding
  /// Replace, ByteFallback, Fuse, and Strip one space (with the prefix).
  /// fuse_unk as each model does it: HF's BPE fuses unknowns, SentencePiece
  /// (Spm) emits one per unknown piece.
  static Pipeline sentencePiece(ModelKind model, bool addDummyPrefix = true);

  /// Whether the model starts from bytes (a ByteLevel pre-tokenizer).
  bool byteLevel() const;
  /// Whether a Prepend normalizer adds SentencePiece's dummy prefix.
  bool addsDummyPrefix() const;
};

/// The byte a SentencePiece byte piece "<0xNN>" stands for, or -1.
int byteFallbackValue(std::string_view token);

} // namespace tern::tok

#endif
