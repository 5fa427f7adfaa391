# libFuzzer target for the GGUF reader and the ggml codecs.
tern_fuzzer(tern-fuzz-gguf
  ${CMAKE_CURRENT_SOURCE_DIR}/gguf_fuzz.cpp
  ${PROJECT_SOURCE_DIR}/frontend/gguf/GgufFile.cpp
  ${PROJECT_SOURCE_DIR}/frontend/gguf/GgmlTypes.cpp
  ${PROJECT_SOURCE_DIR}/runtime/reference/float_formats.cpp
)
