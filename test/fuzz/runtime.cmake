# The runtime's untrusted input: .tpack files (validation, loading, a few
# tokens through no-op kernels, or through a compiled model's real kernels)
# and TERNTOK tokenizer blobs.
#   build-fuzz/bin/tern-fuzz-runtime CORPUS_DIR
#   build-fuzz/bin/tern-fuzz-runtime-model CORPUS_DIR
set(TERN_FUZZ_RUNTIME_SOURCES
  ${PROJECT_SOURCE_DIR}/runtime/engine/Executor.cpp
  ${PROJECT_SOURCE_DIR}/runtime/engine/PackFile.cpp
  ${PROJECT_SOURCE_DIR}/runtime/engine/PlanContract.cpp
  ${PROJECT_SOURCE_DIR}/runtime/engine/ThreadPool.cpp
  ${PROJECT_SOURCE_DIR}/runtime/engine/TokenizerBlob.cpp
  ${PROJECT_SOURCE_DIR}/runtime/cuda/CudaDriver.cpp
  ${PROJECT_SOURCE_DIR}/runtime/cuda/CudaExecutor.cpp
  ${PROJECT_SOURCE_DIR}/runtime/cuda/CudaModule.cpp)
tern_fuzzer(tern-fuzz-runtime
  ${CMAKE_CURRENT_SOURCE_DIR}/runtime_fuzz.cpp
  ${TERN_FUZZ_RUNTIME_SOURCES}
  ${TERN_FUZZ_TOKENIZER_SOURCES})
target_link_libraries(tern-fuzz-runtime PRIVATE ${TERN_FUZZ_TOKENIZER_LIBS} pthread dl)
target_include_directories(tern-fuzz-runtime PRIVATE ${PROJECT_SOURCE_DIR}/runtime/include)

# The real kernels of a compiled model over mutated copies of its .tpack:
# -DTERN_FUZZ_MODEL_OBJ=model.o, an object from tern-compile --emit=obj
# (which writes model.o.tpack beside it, the seed); run.sh compiles the
# `micro` preset. The object itself is not instrumented.
set(TERN_FUZZ_MODEL_OBJ "" CACHE FILEPATH "compiled model object for tern-fuzz-runtime-model")
if(TERN_FUZZ_MODEL_OBJ)
  tern_fuzzer(tern-fuzz-runtime-model
    ${CMAKE_CURRENT_SOURCE_DIR}/runtime_model_fuzz.cpp
    ${TERN_FUZZ_RUNTIME_SOURCES}
    ${TERN_FUZZ_TOKENIZER_SOURCES}
    ${TERN_FUZZ_MODEL_OBJ})
  set_source_files_properties(${TERN_FUZZ_MODEL_OBJ} PROPERTIES EXTERNAL_OBJECT TRUE
                              GENERATED TRUE)
  target_link_libraries(tern-fuzz-runtime-model PRIVATE ${TERN_FUZZ_TOKENIZER_LIBS} pthread dl)
  target_include_directories(tern-fuzz-runtime-model PRIVATE
                             ${PROJECT_SOURCE_DIR}/runtime/include)
endif()
