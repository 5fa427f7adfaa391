# libFuzzer target for the tuning database reader (codegen/common/TuneDb).
tern_fuzzer(tern-fuzz-tunedb
  ${CMAKE_CURRENT_SOURCE_DIR}/tunedb_fuzz.cpp
  ${PROJECT_SOURCE_DIR}/codegen/common/TuneDb.cpp
)
target_link_libraries(tern-fuzz-tunedb PRIVATE TernTuneDb)
