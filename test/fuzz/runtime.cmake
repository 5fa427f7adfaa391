# The runtime's untrusted input: .tpack files (validation, loading, a few
# tokens through no-op kernels) and TERNTOK1 tokenizer blobs.
#   build-fuzz/bin/tern-fuzz-runtime CORPUS_DIR
find_library(TERN_FUZZ_PCRE2_LIB pcre2-8 REQUIRED)
tern_fuzzer(tern-fuzz-runtime
  ${CMAKE_CURRENT_SOURCE_DIR}/runtime_fuzz.cpp
  ${PROJECT_SOURCE_DIR}/runtime/engine/Executor.cpp
  ${PROJECT_SOURCE_DIR}/runtime/engine/PackFile.cpp
  ${PROJECT_SOURCE_DIR}/runtime/engine/PlanContract.cpp
  ${PROJECT_SOURCE_DIR}/runtime/engine/ThreadPool.cpp
  ${PROJECT_SOURCE_DIR}/runtime/engine/TokenizerBlob.cpp
  ${PROJECT_SOURCE_DIR}/frontend/tokenizer/ByteLevel.cpp
  ${PROJECT_SOURCE_DIR}/frontend/tokenizer/PreTokenizer.cpp
  ${PROJECT_SOURCE_DIR}/frontend/tokenizer/Tokenizer.cpp
  ${PROJECT_SOURCE_DIR}/frontend/tokenizer/Utf8.cpp)
target_link_libraries(tern-fuzz-runtime PRIVATE ${TERN_FUZZ_PCRE2_LIB} pthread)
