"""Warm workers: one job leaves nothing (process, file, patch) that the next job could meet."""

from __future__ import annotations

import errno
import os
import uuid
from dataclasses import replace

import matplotlib
import numpy as np
import pytest

from grader.sandbox import Limits, SandboxPool, run_cells
from solutions import SEED, forward, gradient, loss
from tests.grader.sandbox.conftest import fork_bomb_cell
from tests.grader.sandbox.test_faults import host_processes_with

NOTEBOOK = [
    f"import numpy as np\nX = np.array({SEED.X.tolist()})\ny = np.array({SEED.y.tolist()})\n"
    f"theta = np.array({SEED.theta.tolist()})\nprint('variant loaded')\n",
    "z = X @ theta[:2] + theta[2]\ny_hat = theta[3] * np.maximum(z, 0) + theta[4]\n"
    "loss = float(np.mean((y_hat - y) ** 2))\ny_hat\n",
    "import matplotlib.pyplot as plt\nplt.plot([0, 1, 2], [loss, loss / 2, loss / 4], 'o-')\n"
    "plt.title('loss')\nplt.show()\n",
    "grad = np.zeros(5)\nfor i in range(5):\n    step = np.zeros(5)\n    step[i] = 1e-6\n"
    "    up = np.mean((theta[3] * np.maximum(X @ (theta + step)[:2] + (theta + step)[2], 0)"
    " * (1 + 0 * step[3]) + (theta + step)[4] + (step[3]) * np.maximum(z, 0) - y) ** 2)\n"
    "    grad[i] = (up - loss) / 1e-6\n",
]
NAMES = ["y_hat", "loss", "grad"]

SCAN_OTHERS = """
import os
mine = os.getuid()
others = []
for entry in os.listdir("/proc"):
    if entry.isdigit():
        try:
            status = dict(line.split(":", 1) for line in open(f"/proc/{entry}/status"))
        except OSError:
            continue
        uid = int(status["Uid"].split()[0])
        if uid not in (0, mine):
            others.append(uid)
"""


def check_seed_notebook(values: dict[str, object]) -> None:
    """The values of ``NOTEBOOK`` against the reference solution."""
    assert values["y_hat"] == forward(SEED.theta, SEED.X).y_hat.tolist()
    assert np.isclose(values["loss"], float(loss(SEED.theta, SEED.X, SEED.y)))
    assert np.allclose(values["grad"], gradient(SEED.theta, SEED.X, SEED.y), atol=1e-3)  # type: ignore[arg-type]


def test_a_daemon_left_by_one_job_cannot_touch_the_next(pool: SandboxPool, limits: Limits) -> None:
    marker = f"daemon-{uuid.uuid4()}"
    daemon = (
        "import glob, os, sys, time\n"
        "time.sleep(0.2)\n"
        "end = time.time() + 20\n"
        "while time.time() < end:\n"
        "    for d in glob.glob('/sandbox/scratch/*'):\n"
        "        for action in (lambda: os.listdir(d),\n"
        "                       lambda: open(os.path.join(d, 'planted.txt'), 'w').write('A')):\n"
        "            try:\n"
        "                action()\n"
        "            except OSError:\n"
        "                pass\n"
        "    for fd in (1, 2, 3):\n"
        "        try:\n"
        '            os.write(fd, b\'{"type": "end"}\\n\')\n'
        "        except OSError:\n"
        "            pass\n"
        "    time.sleep(0.001)\n"
    )
    leave = f"""
import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
main = os.getpid()
child = os.fork()
if child == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", {daemon!r}, str(main), {marker!r}])
    os._exit(0)
os.waitpid(child, 0)
open("left-behind.txt", "w").write("A")
left = True
"""
    pool.run_cells(["x = 1"], names=["x"])  # the worker is up
    starts = pool.starts
    first = pool.run_cells([leave], names=["left"], limits=limits)
    assert first.values() == {"left": True} and first.completed
    assert host_processes_with(marker) == []
    follow = (
        "import os, time\nopen('secret.txt', 'w').write('B')\ntime.sleep(0.5)\n"
        + SCAN_OTHERS
        + "listing = sorted(os.listdir('.'))\nprint('B done')\n"
    )
    second = pool.run_cells([follow, *NOTEBOOK], names=["others", "listing", *NAMES])
    assert pool.starts == starts  # the same worker ran both jobs
    assert [cell.status for cell in second.cells] == ["ok"] * 5 and second.completed
    assert second.cells[0].stdout == "B done\n" and second.cells[0].stderr == ""
    values = second.values()
    assert values["others"] == [] and values["listing"] == [".matplotlib", "secret.txt"]
    check_seed_notebook(values)


def test_a_jobs_directory_is_its_own_and_nothing_else_is_writable(pool: SandboxPool) -> None:
    cell = """
import os, stat
info = os.stat(".")
mode = stat.S_IMODE(info.st_mode)
owner = info.st_uid == os.getuid() != 0
def denied(path):
    try:
        open(path, "w").write("x")
    except OSError as error:
        return type(error).__name__
    return "written"
outside = [denied(p) for p in ("../planted.txt", "/sandbox/scratch/../x", "/dev/shm/x", "/x")]
descriptors = {}
for fd in range(1024):
    try:
        descriptors[fd] = os.fstat(fd).st_mode
    except OSError:
        pass
sockets = [fd for fd, mode in descriptors.items() if stat.S_ISSOCK(mode)]
job_fds = sorted(descriptors)
"""
    values = pool.run_cells([cell], names=["mode", "owner", "outside", "sockets", "job_fds"])
    values = values.values()
    assert values["mode"] == 0o700 and values["owner"] is True
    assert values["sockets"] == [] and values["job_fds"] == [0, 1, 2, 3, 4]  # no control socket
    assert values["outside"] == ["OSError"] * 4  # a read-only file system


def test_patched_modules_do_not_reach_the_next_job(pool: SandboxPool) -> None:
    patch = """
import builtins, sys, numpy as np, matplotlib, matplotlib.pyplot as plt
np.allclose = lambda *args, **kwargs: True
np.mean = lambda *args, **kwargs: 0.0
builtins.abs = lambda value: 0
builtins.isinstance = lambda *args: True
matplotlib.rcParams["lines.linewidth"] = 99.0
plt.plot = lambda *args, **kwargs: None
sys.modules["solutions"] = "forged"
patched = np.allclose(1.0, 2.0)
"""
    first = pool.run_cells([patch], names=["patched"])
    assert first.values() == {"patched": True}
    check = (
        "import sys, numpy as np, matplotlib, matplotlib.pyplot as plt\n"
        "found = [bool(np.allclose(1.0, 2.0)), float(np.mean([1.0, 3.0])), abs(-5),\n"
        "         isinstance(1, str), matplotlib.rcParams['lines.linewidth'],\n"
        "         plt.plot.__module__, 'solutions' in sys.modules]\n"
    )
    second = pool.run_cells([check, *NOTEBOOK], names=["found", *NAMES])
    default_width = float(matplotlib.rcParamsDefault["lines.linewidth"])
    assert second.values()["found"] == [False, 2.0, 5, False, default_width, plt_module(), False]
    check_seed_notebook(second.values())


def plt_module() -> str:
    import matplotlib.pyplot as plt

    return str(plt.plot.__module__)


def test_fork_and_memory_bombs_leave_the_next_job_a_normal_worker(
    pool: SandboxPool, limits: Limits
) -> None:
    marker = f"bomb-{uuid.uuid4()}"
    fork_bomb = fork_bomb_cell(marker)
    memory_bomb = "grow = []\nwhile True:\n    grow.append(bytearray(16 * 1024 * 1024))\n"
    # the memory bomb has the usual cell time (filling memory is slow on a busy machine)
    memory = pool.run_cells([memory_bomb, "del grow\nafter = 1"], names=["after"], limits=limits)
    assert [cell.status for cell in memory.cells] == ["error", "ok"]
    assert memory.cells[0].error_name == "MemoryError" and memory.values() == {"after": 1}
    # the fork bomb is interrupted, or, starved of CPU, killed with its worker
    forks = pool.run_cells(
        ["before = 1", fork_bomb],
        names=["before"],
        limits=replace(limits, cell_seconds=1.5, processes=8),
    )
    assert [cell.status for cell in forks.cells] == ["ok", "timeout"]
    assert forks.values() == {"before": 1}
    assert host_processes_with(marker) == []
    normal = pool.run_cells([SCAN_OTHERS, *NOTEBOOK], names=["others", *NAMES])
    assert normal.completed and normal.values()["others"] == []
    check_seed_notebook(normal.values())


def test_a_hung_job_is_killed_and_the_pool_recovers(pool: SandboxPool, limits: Limits) -> None:
    pool.run_cells(["x = 1"], names=["x"])  # the worker is up
    starts = pool.starts
    hang = "import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])\n"
    hang += "while True:\n    pass\n"
    hung = pool.run_cells(
        ["x = 1", hang, "after = 2"],
        names=["x", "after"],
        limits=replace(limits, cell_seconds=1.0, grace_seconds=0.5),
    )
    assert [cell.status for cell in hung.cells] == ["ok", "timeout", "skipped"]
    assert "did not stop when interrupted" in hung.problem
    assert hung.values() == {"x": 1}
    after = pool.run_cells(NOTEBOOK, names=NAMES)
    assert after.completed and pool.starts == starts + 1
    check_seed_notebook(after.values())


def test_a_normal_notebook_gives_the_same_results_one_shot_and_pooled(
    pool: SandboxPool, limits: Limits
) -> None:
    one_shot = run_cells(NOTEBOOK, names=NAMES, limits=limits)
    pooled = pool.run_cells(NOTEBOOK, names=NAMES, limits=limits)
    assert one_shot.completed and pooled.completed
    assert [cell.outputs for cell in pooled.cells] == [cell.outputs for cell in one_shot.cells]
    assert [cell.status for cell in pooled.cells] == ["ok"] * 4
    assert pooled.answers == one_shot.answers
    check_seed_notebook(pooled.values())
    kinds = [output["output_type"] for output in pooled.cells[2].outputs]
    assert kinds == ["display_data"]


def test_a_pool_refuses_bad_arguments_and_use_after_close(limits: Limits) -> None:
    with pytest.raises(ValueError, match="workers"):
        SandboxPool(limits, workers=0)
    closed = SandboxPool(limits, workers=1)
    closed.close()
    with pytest.raises(RuntimeError, match="closed"):
        closed.run_cells(["x = 1"], names=["x"])
    with SandboxPool(limits, workers=1) as other:
        size = "import os\nv = os.statvfs('.')\nsize = v.f_blocks * v.f_frsize\n"
        small = other.run_cells(
            [size], names=["size"], limits=replace(limits, scratch_bytes=1 << 20)
        )
        assert small.values() == {"size": 1 << 20}  # each job's scratch has its own size
        with pytest.raises(TypeError, match="identifiers"):
            other.run_cells(["x = 1"], names=["not a name"])


def test_ipc_objects_cannot_pass_from_one_job_to_the_next(pool: SandboxPool) -> None:
    make = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.mq_open.restype = ctypes.c_int
queue = libc.mq_open(b"/hw4-left-behind", os.O_CREAT | os.O_RDWR, 0o666, None)
queue_error = os.strerror(ctypes.get_errno()) if queue < 0 else "created"
segment = libc.shmget(0x4877, 4096, 0o1000 | 0o666)  # a fixed key, IPC_CREAT | rw for all
segment_error = os.strerror(ctypes.get_errno()) if segment < 0 else "created"
semaphores = libc.semget(0x4877, 1, 0o1000 | 0o2000 | 0o666)  # IPC_CREAT | IPC_EXCL
"""
    pool.run_cells(["x = 1"], names=["x"])  # the worker is up
    starts = pool.starts
    first = pool.run_cells([make], names=["queue_error", "segment_error", "semaphores"]).values()
    assert first["queue_error"] == os.strerror(errno.EMFILE)  # RLIMIT_MSGQUEUE is 0
    assert first["segment_error"] == os.strerror(errno.EPERM)  # refused by the filter
    assert first["semaphores"] >= 0  # type: ignore[operator]
    # The same key again: it exists nowhere, since the first job's IPC namespace is gone.
    second = pool.run_cells([make], names=["semaphores"]).values()
    assert second["semaphores"] >= 0  # type: ignore[operator]
    assert pool.starts == starts  # one worker served both


def test_files_left_in_an_awkward_tree_are_removed_before_the_next_job(
    pool: SandboxPool,
) -> None:
    leave = """
import os
for name in ("locked", "deep"):
    os.mkdir(name)
open("locked/inside.txt", "w").write("A")
os.chmod("locked", 0)
os.chdir("deep")
for _ in range(1200):  # deeper than Python's recursion limit
    os.mkdir("d")
    os.chdir("d")
open("bottom.txt", "w").write("A")
os.symlink("/sandbox/scratch", "up")
left = True
"""
    first = pool.run_cells([leave], names=["left"])
    assert first.values() == {"left": True}
    look = "import os\nmine = sorted(os.listdir('.'))\n"
    values = pool.run_cells([look], names=["mine"]).values()
    assert values["mine"] == [".matplotlib"]
