"""Set the sandbox up, then become the user's program: ``python -I launcher.py SPEC_JSON``.

A standalone script (standard library only, no imports from this project) run
as the first process of the sandbox. In order, because each step needs the
privileges the next one drops:

1. its own session and process group, so the agent can kill the whole tree;
2. die with the agent (``PR_SET_PDEATHSIG``);
3. a new network namespace (``unshare(CLONE_NEWNET)``): only a loopback that
   is down, so every connection fails; exit status 97 when it was asked for
   and the kernel refused it;
4. resource limits: CPU seconds, address space, processes, file size, open files;
5. when running as root, become ``nobody`` so that the process limit counts
   (root ignores ``RLIMIT_NPROC``) and the code cannot touch root's files;
6. ``execv`` the interpreter on the user's script in the working directory.
"""

import ctypes
import json
import os
import resource
import signal
import sys

CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
NO_ISOLATION = 97
NOBODY = 65534


def main() -> None:
    spec = json.loads(sys.argv[1])
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if spec["isolate_network"] and libc.unshare(CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        sys.stderr.write(f"sandbox: cannot create a network namespace: {os.strerror(err)}\n")
        os._exit(NO_ISOLATION)
    limits = {
        resource.RLIMIT_CPU: (spec["cpu_seconds"], spec["cpu_seconds"] + 1),
        resource.RLIMIT_AS: (spec["memory_bytes"], spec["memory_bytes"]),
        resource.RLIMIT_FSIZE: (spec["file_bytes"], spec["file_bytes"]),
        resource.RLIMIT_NOFILE: (256, 256),
        resource.RLIMIT_CORE: (0, 0),
    }
    for which, value in limits.items():
        resource.setrlimit(which, value)
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        # The process limit is checked against the real user: set it for nobody.
        resource.setrlimit(resource.RLIMIT_NPROC, (spec["processes"], spec["processes"]))
        os.setuid(NOBODY)
    else:
        # Without root the limit counts this user's other processes too: leave headroom.
        resource.setrlimit(resource.RLIMIT_NPROC, (spec["processes"], spec["processes"]))
    os.chdir(spec["workdir"])
    env = {"PATH": "/usr/bin:/bin", "HOME": spec["workdir"], "LANG": "C.UTF-8", "TMPDIR": "."}
    os.execve(spec["python"], [spec["python"], "-I", spec["script"]], env)


if __name__ == "__main__":
    main()
