"""Set the sandbox up, then become the user's program: ``python -I launcher.py SPEC_JSON``.

A standalone script (standard library only, no imports from this project) run
as the first process of the sandbox. In order, because each step needs the
privileges the next one drops:

1. its own session and process group, so the agent can kill the whole tree;
2. die with the agent (``PR_SET_PDEATHSIG``);
3. as root, a new network namespace (``unshare(CLONE_NEWNET)``): only a
   loopback that is down, so every connection fails;
4. resource limits: CPU seconds, address space, processes, file size, open files;
5. when running as root, become ``nobody`` so that the process limit counts
   (root ignores ``RLIMIT_NPROC``) and the code cannot touch root's files;
6. without a network namespace yet (not root, or root without
   ``CAP_SYS_ADMIN`` as in most containers), a user namespace together with a
   network namespace (``unshare(CLONE_NEWUSER | CLONE_NEWNET)``), which an
   unprivileged user may create where the kernel enables user namespaces; the
   program's uid is unmapped in it and it keeps no capability past ``execve``;
   exit status 97, saying why, when isolation was asked for and neither worked;
7. ``execv`` the interpreter on the user's script in the working directory.
"""

import ctypes
import json
import os
import resource
import signal
import sys

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
PR_SET_PDEATHSIG = 1
NO_ISOLATION = 97
NOBODY = 65534


def unshare(libc: ctypes.CDLL, flags: int, what: str, refused: list[str]) -> bool:
    if libc.unshare(flags) == 0:
        return True
    refused.append(f"{what}: {os.strerror(ctypes.get_errno())}")
    return False


def main() -> None:
    spec = json.loads(sys.argv[1])
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    isolate = spec["isolate_network"]
    refused: list[str] = []
    # Privileged first: as root the user namespace would leave no uid to become nobody.
    isolated = os.geteuid() == 0 and isolate and unshare(libc, CLONE_NEWNET, "netns", refused)
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
    if isolate and not isolated:
        namespaces = CLONE_NEWUSER | CLONE_NEWNET
        if not unshare(libc, namespaces, "user+netns", refused):
            why = "; ".join(refused)
            sys.stderr.write(f"sandbox: cannot create a network namespace ({why})\n")
            os._exit(NO_ISOLATION)
    os.chdir(spec["workdir"])

    env = {"PATH": "/usr/bin:/bin", "HOME": spec["workdir"], "LANG": "C.UTF-8", "TMPDIR": "."}
    os.execve(spec["python"], [spec["python"], "-I", spec["script"]], env)


if __name__ == "__main__":
    main()
