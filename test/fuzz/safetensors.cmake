tern_fuzzer(tern-fuzz-safetensors
  ${CMAKE_CURRENT_SOURCE_DIR}/safetensors_fuzz.cpp
  ${PROJECT_SOURCE_DIR}/frontend/safetensors/Safetensors.cpp)
target_include_directories(tern-fuzz-safetensors SYSTEM PRIVATE ${LLVM_INCLUDE_DIRS})
target_link_libraries(tern-fuzz-safetensors PRIVATE LLVM)
