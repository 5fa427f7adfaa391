# run_with_ids.py N VOCAB CMD...: runs CMD --tokens 0,1,...,N-1 (ids modulo
# VOCAB), for prompts too long to spell in a RUN line. The exit status is
# CMD's; a CMD killed by a signal kills this script by the same signal, so
# that `not` still tells a crash from an error.
import os, signal, subprocess, sys

n, vocab, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
ids = ",".join(str(i % vocab) for i in range(n))
rc = subprocess.call(cmd + ["--tokens", ids])
if rc < 0:
    signal.signal(-rc, signal.SIG_DFL)
    os.kill(os.getpid(), -rc)
sys.exit(rc)
