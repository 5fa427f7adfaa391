//===- ModelProcess.cpp - run a compiled model executable as a child ------===//
#include "tools/common/ModelProcess.h"

#include "runtime/include/tern_plan.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace tern::tools {

bool readModelExe(const std::string &exe, ModelExe *m, std::string *err) {
  struct stat st;
  if (::stat(exe.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *err = "model executable '" + exe + "' not found";
    return false;
  }
  if (::access(exe.c_str(), X_OK) != 0) {
    *err = "model executable '" + exe + "' is not executable";
    return false;
  }
  const std::string pack = exe + ".tpack";
  std::FILE *f = std::fopen(pack.c_str(), "rb");
  if (!f) {
    *err = "cannot open the weights '" + pack + "' (expected next to the executable)";
    return false;
  }
  tern_pack_header h;
  const size_t got = std::fread(&h, 1, sizeof h, f);
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  bool tablesOk = got == sizeof h && h.n_buffers < (1u << 20) && h.n_steps < (1u << 20);
  std::vector<tern_buffer> buffers(tablesOk ? h.n_buffers : 0);
  std::vector<tern_step> steps(tablesOk ? h.n_steps : 0);
  tablesOk = tablesOk && std::fseek(f, long(h.buffers_offset), SEEK_SET) == 0 &&
             std::fread(buffers.data(), sizeof(tern_buffer), buffers.size(), f) ==
                 buffers.size() &&
             std::fseek(f, long(h.steps_offset), SEEK_SET) == 0 &&
             std::fread(steps.data(), sizeof(tern_step), steps.size(), f) == steps.size();
  std::fclose(f);
  if (got != sizeof h || std::memcmp(h.magic, TERN_PACK_MAGIC, 8) != 0 || h.vocab <= 0 ||
      !tablesOk) {
    *err = "'" + pack + "' is not a tern weight pack";
    return false;
  }
  // Steps over tokens only gather rows (the embedding) or read a norm's
  // few KB; the steps over output rows or heads stream their weights.
  std::vector<bool> counted(buffers.size(), false);
  double streamed = 0;
  for (const tern_step &s : steps) {
    if (s.range_kind != TERN_RANGE_FIXED)
      continue;
    for (uint32_t i = 0; i < s.nargs && i < TERN_MAX_KERNEL_ARGS; ++i) {
      const uint32_t bi = s.args[i];
      if (bi < buffers.size() && buffers[bi].kind == TERN_BUF_WEIGHT && !counted[bi]) {
        counted[bi] = true;
        streamed += double(buffers[bi].bytes);
      }
    }
  }
  m->exe = exe;
  m->streamedBytes = streamed > 0 ? streamed : double(size);
  m->vocab = h.vocab;
  m->maxContext = h.max_context;
  return true;
}

static std::string joinIds(const std::vector<int64_t> &ids) {
  std::string s;
  for (int64_t id : ids)
    s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

std::vector<std::string> decodeCommand(const ModelExe &m, int nDecode, int threads) {
  std::vector<int64_t> ids;
  for (int64_t id : {128000, 9906, 1917})
    ids.push_back(id % m.vocab);
  if (m.maxContext > 0)
    nDecode = std::max(1, std::min(nDecode, int(m.maxContext) - 3));
  return {m.exe, "--tokens", joinIds(ids), "-n", std::to_string(nDecode), "--threads",
          std::to_string(threads)};
}

std::vector<std::string> prefillCommand(const ModelExe &m, int tokens, int threads) {
  if (m.maxContext > 0)
    tokens = std::min(tokens, int(m.maxContext));
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < tokens; ++i)
    ids.push_back(i * 7919 % m.vocab);
  return {m.exe, "--tokens", joinIds(ids), "--threads", std::to_string(threads)};
}

/// Runs argv[0] with stdout to /dev/null and stderr captured.
ChildRun runChild(const std::vector<std::string> &argv) {
  ChildRun r;
  int fds[2];
  if (::pipe(fds) != 0) {
    r.err = "pipe failed";
    return r;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  std::vector<char *> cargv;
  for (const std::string &a : argv)
    cargv.push_back(const_cast<char *>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid;
  const auto t0 = std::chrono::steady_clock::now();
  int rc = posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    r.err = std::string("cannot run: ") + std::strerror(rc);
    return r;
  }
  // The child's own high-water mark, sampled while it runs: ru_maxrss alone
  // would also count this process's RSS at spawn time (exec keeps the old
  // address space's high-water mark in the child's maxrss).
  const std::string statusPath = "/proc/" + std::to_string(pid) + "/status";
  double hwmKiB = 0;
  auto sample = [&] {
    std::FILE *f = std::fopen(statusPath.c_str(), "r");
    if (!f)
      return;
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
      long long kib;
      if (std::sscanf(line, "VmHWM: %lld kB", &kib) == 1) {
        hwmKiB = std::max(hwmKiB, double(kib));
        break;
      }
    }
    std::fclose(f);
  };
  char buf[4096];
  for (;;) {
    struct pollfd pfd = {fds[0], POLLIN, 0};
    int pr = ::poll(&pfd, 1, 5);
    sample();
    if (pr == 0 || (pr < 0 && errno == EINTR))
      continue;
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0)
      r.err.append(buf, size_t(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  ::close(fds[0]);
  int status = 0;
  struct rusage ru;
  std::memset(&ru, 0, sizeof ru);
  while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // ru_maxrss (KiB on Linux) only where no sample could be read.
  r.maxRssMB = (hwmKiB > 0 ? hwmKiB : double(ru.ru_maxrss)) / 1024.0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    r.ok = true;
  else if (WIFEXITED(status))
    r.err += "(exit status " + std::to_string(WEXITSTATUS(status)) + ")";
  else if (WIFSIGNALED(status))
    r.err += "(killed by signal " + std::to_string(WTERMSIG(status)) + ")";
  return r;
}

/// The tok/s after `key` ("prefill " or "decode ") in the timing line
/// "prefill N tokens in X ms (Y tok/s), decode ...".
bool parseRate(const std::string &err, const char *key, double *tokPerSec) {
  size_t begin = 0;
  while (begin < err.size()) {
    size_t end = err.find('\n', begin);
    if (end == std::string::npos)
      end = err.size();
    std::string line = err.substr(begin, end - begin);
    begin = end + 1;
    size_t p = line.find("prefill ");
    if (p == std::string::npos || line.find(" tok/s)") == std::string::npos)
      continue;
    size_t at = line.find(key, p);
    if (at == std::string::npos)
      continue;
    long long n;
    double ms, rate;
    if (std::sscanf(line.c_str() + at + std::strlen(key),
                    "%lld tokens in %lf ms (%lf tok/s)", &n, &ms, &rate) == 3) {
      *tokPerSec = rate;
      return true;
    }
  }
  return false;
}

} // namespace tern::tools
