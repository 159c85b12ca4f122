"""The system-call filter of every job, compiled here and loaded inside.

Student code needs files, memory, pipes, signals, threads and processes; it
never needs to reconfigure the kernel around it. The filter (a default of
*allow*, built with libseccomp through ``pyseccomp``, exported as BPF and loaded
by :mod:`grader.sandbox.inside.confine`) refuses, with ``EPERM`` unless said:

* new namespaces and mounts: ``unshare``, ``setns``, ``clone`` with any
  ``CLONE_NEW*`` flag, ``clone3`` (``ENOSYS``, so that the C library falls back to
  ``clone``, whose flags the filter can read), ``mount`` and the new mount API,
  ``umount2``, ``pivot_root``, ``chroot``: no tmpfs of a chosen size, no user
  namespace of its own (hole: memory beyond every limit);
* memory outside the address-space limit: ``memfd_create``, ``memfd_secret``,
  System V shared memory and message queues (``shmget``, ``msgget``);
* the kernel keyrings: ``add_key``, ``request_key``, ``keyctl`` (they are per
  host user and outlive the job);
* looking into other processes or the kernel: ``ptrace``, ``process_vm_readv``,
  ``process_vm_writev``, ``bpf``, ``perf_event_open``, ``userfaultfd``,
  ``io_uring_*``, module and kexec loading, ``syslog``, ``acct``, ``quotactl``,
  swap and reboot;
* sockets of any family but Unix, IPv4 and IPv6 (``EAFNOSUPPORT``): no vsock,
  netlink, packet or Bluetooth sockets (the network namespace is empty anyway).

System calls of another architecture's ABI (32-bit ``int 0x80``) kill the process.
"""

from __future__ import annotations

import functools
import socket
import tempfile
from typing import Any

from grader.sandbox.bwrap import SandboxUnavailable

CLONE_NEW_FLAGS = {
    "CLONE_NEWTIME": 0x00000080,
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
REFUSED = (
    # namespaces and mounts
    *("unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree"),
    *("move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr"),
    # memory outside the address-space limit
    *("memfd_create", "memfd_secret", "shmget", "msgget"),
    # kernel keyrings
    *("add_key", "request_key", "keyctl"),
    # other processes and the kernel
    *("ptrace", "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open"),
    *("userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register"),
    *("init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load"),
    *("syslog", "acct", "quotactl", "swapon", "swapoff", "reboot"),
)
SOCKET_FAMILIES = (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6)
"""The only socket families a job may create."""
HIGHEST_FAMILY = 64
EPERM, ENOSYS, EAFNOSUPPORT = 1, 38, 97


def _library() -> Any:
    try:
        import pyseccomp
    except (ImportError, RuntimeError) as error:
        raise SandboxUnavailable(
            f"the sandbox's system-call filter needs libseccomp ({error}): install the "
            "Debian package 'libseccomp2' and the Python package 'pyseccomp'"
        ) from error
    return pyseccomp


@functools.cache
def filter_program() -> bytes:
    """The compiled BPF program of the filter for this machine's architecture."""
    seccomp = _library()
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in REFUSED:
        try:
            rules.add_rule(seccomp.ERRNO(EPERM), name)
        except (OSError, ValueError, RuntimeError):
            continue  # not a system call of this kernel's ABI or libseccomp's tables
    rules.add_rule(seccomp.ERRNO(ENOSYS), "clone3")
    for flag in CLONE_NEW_FLAGS.values():
        rules.add_rule(seccomp.ERRNO(EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    refused_families = [
        family for family in range(HIGHEST_FAMILY) if family not in set(SOCKET_FAMILIES)
    ]
    for call in ("socket", "socketpair"):
        for family in refused_families:
            rules.add_rule(seccomp.ERRNO(EAFNOSUPPORT), call, seccomp.Arg(0, seccomp.EQ, family))
        rules.add_rule(
            seccomp.ERRNO(EAFNOSUPPORT), call, seccomp.Arg(0, seccomp.GE, HIGHEST_FAMILY)
        )
    with tempfile.TemporaryFile() as exported:
        rules.export_bpf(exported)
        exported.seek(0)
        program = exported.read()
    if not program or len(program) % 8:
        raise SandboxUnavailable("libseccomp exported no usable filter program")
    return program
