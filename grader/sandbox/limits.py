"""Resource and time limits of one sandboxed run."""

from __future__ import annotations

from dataclasses import asdict, dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much one notebook may use; every field is enforced, none is advisory.

    Time limits are wall-clock seconds enforced from outside the sandbox (the
    whole process tree is killed); the others are ``setrlimit`` limits set in the
    sandboxed process before the first cell runs, and the scratch size is the
    size of its private tmpfs.
    """

    cell_seconds: float = 10.0
    """Wall-clock time one cell may take. Then it is interrupted (a ``CellTimeoutError``
    is raised in it, like a kernel interrupt) and the next cells run."""
    grace_seconds: float = 2.0
    """How long an interrupted cell may take to stop before the whole run is killed
    (a cell that ignores the interrupt, or is stuck in C code); later cells are then skipped."""
    notebook_seconds: float = 60.0
    """Wall-clock time the whole run may take, Python start included."""
    cpu_seconds: int = 60
    """CPU seconds of the sandboxed Python (RLIMIT_CPU; SIGKILL one second later)."""
    memory_bytes: int = 512 * MIB
    """Address space of each process (RLIMIT_AS); importing pyplot needs about 300 MiB.

    A run may use up to ``processes`` × ``memory_bytes`` in all (4 GiB by default)."""
    file_size_bytes: int = 16 * MIB
    """Largest file a process may write (RLIMIT_FSIZE)."""
    processes: int = 8
    """Processes and threads of the sandbox's own user (RLIMIT_NPROC); numpy runs with one
    BLAS thread, so a notebook needs one."""
    open_files: int = 64
    """Open file descriptors per process (RLIMIT_NOFILE)."""
    scratch_bytes: int = 64 * MIB
    """Size of the private writable scratch directory (a tmpfs)."""
    output_bytes: int = 64 * 1024
    """Bytes of stdout, and separately of stderr, kept per cell; the rest is dropped."""
    total_output_bytes: int = 1 * MIB
    """Bytes of stdout and stderr kept for the whole run, however many cells it has."""
    figures_per_cell: int = 20
    """Matplotlib figures kept per cell."""
    channel_bytes: int = 16 * MIB
    """Most bytes the parent accepts on the result channel in one run."""

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")
        for name in ("cpu_seconds", "memory_bytes", "file_size_bytes", "processes", "open_files"):
            if not isinstance(getattr(self, name), int):
                raise ValueError(f"Limits.{name} must be an int, got {getattr(self, name)!r}")
