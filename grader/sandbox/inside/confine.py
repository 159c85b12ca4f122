"""The namespaces, mounts, capabilities and system-call filter of one job.

Called in the job's first process (forked from the zygote), before anything of
the student's is read. Everything here is plain Linux and needs no privilege:
the same calls run when the grader is root and when it is a normal user.

1. As root only: become the job's own host user id (``setresuid``), so that the
   kernel counts the job's processes against RLIMIT_NPROC (it does not for root).
2. A new user namespace mapping one user, 1000 inside, to the current host user.
   RLIMIT_NPROC counts per user *and* user namespace, so the process limit counts
   this job's processes only, whatever else the instructor runs.
3. New mount, pid, IPC and network namespaces owned by it: the job's processes see
   only each other, its System V IPC objects die with it, it has a network of its
   own (a loopback that is down: no port or abstract Unix socket of another job is
   reachable, and none of its own outlives it), and its mounts are its own:
   a fresh size-capped tmpfs as the scratch directory (the only writable place)
   and an empty read-only tmpfs over ``/proc`` (no other process, environment,
   descriptor or mount table of the worker is visible).
4. Every capability dropped, then a seccomp filter that no later process can lift
   (see :mod:`grader.sandbox.seccomp` for its rules).
"""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REC, MS_PRIVATE = 0x4000, 1 << 18
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
LINUX_CAPABILITY_VERSION_3 = 0x20080522
INSIDE_UID = 1000
"""The job's user id inside its own user namespace."""
SCRATCH = "/sandbox/scratch"

_libc = ctypes.CDLL(None, use_errno=True)


class ConfineError(OSError):
    """A confinement step failed; the message names the step."""


def _check(result: int, step: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise ConfineError(error, f"{step}: {os.strerror(error)}")


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as handle:
        handle.write(text)


def set_dumpable(dumpable: bool) -> None:
    """A process that is not dumpable has its ``/proc`` entries and memory closed to others."""
    _check(_libc.prctl(PR_SET_DUMPABLE, int(dumpable), 0, 0, 0), "prctl(PR_SET_DUMPABLE)")


def die_with_parent(number: int) -> None:
    """Get signal ``number`` when the parent process ends, whatever ends it."""
    _check(_libc.prctl(PR_SET_PDEATHSIG, number, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def become_host_user(uid: int) -> None:
    """As root: the job's own host user id, and no capability left."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    set_dumpable(True)  # a uid change clears it; the uid map below is written through /proc/self


def enter_namespaces(scratch_bytes: int) -> None:
    """Steps 2 and 3 of the module docstring; the working directory is then the scratch."""
    uid, gid = os.geteuid(), os.getegid()
    _check(_libc.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{INSIDE_UID} {uid} 1")
    _write("/proc/self/gid_map", f"{INSIDE_UID} {gid} 1")
    namespaces = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET
    _check(_libc.unshare(namespaces), "unshare(mount, pid, ipc, net)")
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "making mounts private")
    options = f"size={scratch_bytes},mode=0700,uid={INSIDE_UID},gid={INSIDE_UID}"
    _mount_tmpfs(SCRATCH, MS_NOSUID | MS_NODEV, options)
    _mount_tmpfs("/proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")
    os.chdir(SCRATCH)


def _mount_tmpfs(target: str, flags: int, options: str) -> None:
    result = _libc.mount(b"tmpfs", target.encode(), b"tmpfs", flags, options.encode())
    _check(result, f"mounting a tmpfs on {target}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_capabilities() -> None:
    """Clear the effective, permitted and inheritable sets (those of the new namespace too)."""
    header = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


class _SockFilterProgram(ctypes.Structure):
    _fields_ = [("length", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install_filter(program: bytes) -> None:
    """Load a compiled seccomp BPF program (8 bytes per instruction); it lasts for good."""
    if not program or len(program) % 8:
        raise ConfineError(0, "the seccomp program is malformed")
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFilterProgram(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    result = _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0)
    _check(result, "installing the seccomp filter")


def confine(host_uid: int | None, scratch_bytes: int, program: bytes) -> None:
    """All of the module docstring's steps, in order."""
    if host_uid is not None:
        become_host_user(host_uid)
    enter_namespaces(scratch_bytes)
    drop_capabilities()
    install_filter(program)
