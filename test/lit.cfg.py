# -*- Python -*-
# lit configuration for tern's FileCheck tests (dialect/, passes/, codegen/).
import os
import lit.formats
from lit.llvm import llvm_config

config.name = "tern"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tern_obj_root, "test")
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "unit", "fuzz", "tokenizer",
                   "CMakeLists.txt"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.tern_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(
    ["tern-opt", "tern-import", "tern-make-model", "tern-run", "tern-tokenize",
     "tern-bench",
     "tern-compile",
     "FileCheck", "not"], tool_dirs)

# The LLaMA 3 tokenizer.json that ./setup.sh installs (not in git): tests
# that need it say "REQUIRES: llama3-tokenizer".
config.substitutions.append(("%llama3_tokenizer", config.tern_tokenizer_json))
if os.path.exists(config.tern_tokenizer_json):
    config.available_features.add("llama3-tokenizer")

# AArch64 executables: tern-compile links them when this build found the
# cross toolchain (runtime/CMakeLists.txt built libtern_runtime_aarch64.a);
# tests run them under qemu-aarch64 with "REQUIRES: aarch64-qemu".
import shutil
if os.path.exists(os.path.join(config.tern_obj_root, "lib", "aarch64",
                               "libtern_runtime_aarch64.a")):
    config.available_features.add("aarch64-cross")
    if shutil.which("aarch64-linux-gnu-g++") and shutil.which("qemu-aarch64"):
        config.available_features.add("aarch64-qemu")
