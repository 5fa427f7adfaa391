// Writes N seeded pseudo-random inputs (r00000.txt ...) for a larger parity
// run than the committed corpus:
//
//   node test/tokenizer/random_corpus.mjs /tmp/rc 2000 [seed]
//   for n in llama3 llama2 qwen3 gemma3; do node test/tokenizer/reference_ids.mjs \
//     $n /tmp/rc /tmp/rcref/tokenizer-reference-$n.json; done
//   TERN_TOKENIZER_CORPUS=/tmp/rc TERN_TOKENIZER_REFERENCE_DIR=/tmp/rcref \
//     build/bin/tern-tokenizer-tests --gtest_filter='Npm*:SentencePiece*'
//
// Inputs mix words, numbers, whitespace of every kind, many scripts, emoji
// sequences, combining marks, contractions in any case, special-token text
// (whole and broken), random code points from all planes and raw invalid
// UTF-8 bytes.
import fs from "node:fs";
import path from "node:path";

const [dir, countArg, seedArg] = process.argv.slice(2);
if (!dir || !countArg) {
  console.error("usage: node random_corpus.mjs DIR COUNT [SEED]");
  process.exit(2);
}
let state = BigInt(seedArg ?? 1) | 1n;
function rand() { // xorshift64*
  state ^= state >> 12n; state ^= (state << 25n) & 0xffffffffffffffffn; state ^= state >> 27n;
  return Number(((state * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn) >> 11n) / 2 ** 53;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const int = (n) => Math.floor(rand() * n);

const words = ["the", "The", "THE", "hello", "world", "token", "izer", "tern", "BitNet", "x", "a", "I",
  "ternary", "quantization", "don", "can", "we", "they", "Supercalifragilistic", "naïve", "café",
  "résumé", "Straße", "İstanbul", "ǅemal", "ﬁne"];
const scripts = ["机器学习", "人工智能", "こんにちは", "カタカナ", "안녕하세요", "Привет", "мир", "مرحبا",
  "العربية", "नमस्ते", "हिंदी", "สวัสดี", "Γειά", "שלום", "ሰላም", "ᚠᚢᚦ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ｆｕｌｌｗｉｄｔｈ"];
const emoji = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "❤️", "1️⃣", "🧑🏿‍🚀", "☕", "⭐", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"];
const spaces = [" ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", "\r", " \n", "\u00a0", "\u2003", "\u3000",
  "\u0085", "\u180e", "\u2028", "\u2029", "\ufeff", "\u200b", "\v", "\f", "    \n  "];
const punct = [".", ",", "!", "?", "...", "'", "\"", "(", ")", "[", "]", "{", "}", "-", "—", "_", "/",
  "\\", "@", "#", "$", "%", "&", "*", "+", "=", "<", ">", "|", "~", "`", "’", "«", "»", "¿", "¡"];
const specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>",
  "<|end_header_id|>", "<|reserved_special_token_7|>", "<|python_tag|>", "<|eot_id", "<|", "|>",
  "<|EOT_ID|>", "< |eot_id|>"];
const combining = ["\u0301", "\u0300", "\u0308", "\u0327", "\u20dd", "\u0e31", "\u093f", "\u064e"];

function contraction() {
  const c = pick(["s", "t", "re", "ve", "m", "ll", "d"]);
  return "'" + [...c].map((ch) => (rand() < 0.5 ? ch.toUpperCase() : ch)).join("");
}
function number() {
  const n = 1 + int(14);
  let s = "";
  for (let i = 0; i < n; i++) s += int(10);
  return pick(["", "-", "+", "$"]) + s + pick(["", ".5", ",000", "%", "e-3", "th"]);
}
function codePoint() {
  for (;;) {
    const cp = pick([int(0x80), 0x80 + int(0x780), 0x800 + int(0xf800), 0x10000 + int(0x30000),
      0x31350 + int(0x1000), 0xe0000 + int(0x80)]);
    if (cp < 0xd800 || cp > 0xdfff) return Buffer.from(String.fromCodePoint(cp), "utf8");
  }
}
function rawBytes() {
  const out = [];
  for (let i = 1 + int(4); i > 0; i--)
    out.push(pick([0x80 + int(0x40), 0xc0 + int(0x40), 0xe0 + int(0x10), 0xf0 + int(0x10), int(0x100)]));
  return Buffer.from(out);
}

fs.mkdirSync(dir, { recursive: true });
for (let k = 0; k < Number(countArg); k++) {
  const parts = [];
  for (let n = 1 + int(60); n > 0; n--) {
    const r = rand();
    let s;
    if (r < 0.25) s = pick(words);
    else if (r < 0.35) s = pick(spaces);
    else if (r < 0.45) s = pick(punct);
    else if (r < 0.52) s = number();
    else if (r < 0.60) s = pick(scripts);
    else if (r < 0.65) s = pick(emoji);
    else if (r < 0.70) s = contraction();
    else if (r < 0.75) s = pick(specials);
    else if (r < 0.78) s = pick(combining);
    else if (r < 0.85) { parts.push(codePoint()); continue; }
    else if (r < 0.90) { parts.push(rawBytes()); continue; }
    else s = " " + pick(words);
    parts.push(Buffer.from(s, "utf8"));
  }
  fs.writeFileSync(path.join(dir, `r${String(k).padStart(5, "0")}.txt`), Buffer.concat(parts));
}
console.error(`random_corpus.mjs: ${countArg} inputs in ${dir}`);
