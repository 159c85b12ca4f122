"""``nbgrader ARGS`` run as a student's Unix account, for the exchange's trust tests.

``python student_nbgrader.py [--become ACCOUNT] -- ARGS``. Under ``sudo -u ACCOUNT`` it
already runs as the student. Run by root with ``--become``, it loads nbgrader first and
then drops to the account (its uid, gid and groups, for good) before nbgrader runs: the
student's account may be unable to read root's Python installation (``/root`` is private),
so the interpreter cannot be started as the student.
"""

from __future__ import annotations

import os
import pwd
import sys


def drop_to(account: str) -> None:
    """Become ``account`` for good: groups, gid, uid (in that order), and its HOME-less
    environment stays as given."""
    entry = pwd.getpwnam(account)
    os.setgroups(os.getgrouplist(account, entry.pw_gid))
    os.setresgid(entry.pw_gid, entry.pw_gid, entry.pw_gid)
    os.setresuid(entry.pw_uid, entry.pw_uid, entry.pw_uid)
    if os.geteuid() != entry.pw_uid or os.getuid() != entry.pw_uid:
        raise SystemExit(f"could not become {account}")


def main(argv: list[str]) -> None:
    """Parse ``[--become ACCOUNT] -- ARGS`` and run nbgrader's command line on ARGS."""
    account = None
    if argv[:1] == ["--become"]:
        account, argv = argv[1], argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    # everything the exchange commands import, loaded while the interpreter is readable
    import nbgrader.apps.collectapp
    import nbgrader.apps.fetchfeedbackapp
    import nbgrader.apps.submitapp
    import nbgrader.exchange.default
    from nbgrader.apps.nbgraderapp import NbGraderApp

    assert nbgrader.apps.submitapp and nbgrader.apps.fetchfeedbackapp
    assert nbgrader.apps.collectapp and nbgrader.exchange.default
    if account is not None:
        drop_to(account)
    sys.argv = ["nbgrader", *argv]
    NbGraderApp.launch_instance()


if __name__ == "__main__":
    main(sys.argv[1:])
