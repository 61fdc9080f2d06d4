"""The reminder pipeline as it was before issue 20's email work, timed in the same run.

The "after" figure of bench/reminders.py is today's pipeline; the "before" one comes from the
same pipeline with the worker running the code of `BEFORE` (the commit before 62a3f04, which
held the SMTP connection per worker process, recorded sent rows in batches and worded a
meeting's facts once per language). Its tree is taken out of git (`git archive`, no checkout
of this one touched) into a temporary directory, and a worker started there, so both figures
come from one machine in one run: before and after, like for like.

The planner and the relay are today's (they run in the bench's process): only the worker's
code differs, and with it how a batch is sent and recorded. The task names and messages it
receives did not change in 62a3f04. The database is today's: the old code reads the outbox
rows and the meetings' data, whose columns it knows (only columns were added since).
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from reminders import ROOT, Worker, log, purge_queue, time_pipeline

# The commit before issue 20's email work (62a3f04 "Outbox email at one connection's speed").
BEFORE = "62a3f04^"


def before_tree(ref: str = BEFORE) -> Path | None:
    """The project's files at `ref`, in a new temporary directory; None when this is not a git
    checkout that has `ref` (a source archive: the "before" row is then left out, and said)."""
    try:
        archive = subprocess.run(  # noqa: S603 (git, our arguments)
            ["git", "archive", "--format=tar", ref],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        log(f"  no tree for {ref} ({error}): the before row is left out")
        return None
    target = Path(tempfile.mkdtemp(prefix="bench-before-"))
    with tempfile.TemporaryFile() as file:
        file.write(archive)
        file.seek(0)
        with tarfile.open(fileobj=file) as tar:
            tar.extractall(target, filter="data")
    return target


def time_before(sink, expected: int, *, port: int, log_dir: Path, timeout: float) -> dict | None:
    """The pipeline again (today's planner and relay) with a worker running the code of
    BEFORE: the reminders sent by the timings before are removed first, so the planner writes
    them again."""
    from dialogue_hub.models import OutboxMessage
    from guides.services.reminders import REMINDER

    tree = before_tree()
    if tree is None:
        return None
    worker = Worker(
        smtp_port=port,
        log_path=log_dir / "worker-before.log",
        root=tree,
        extra_env={"PYTHONPATH": str(tree)},
    )
    try:
        OutboxMessage.objects.filter(kind=REMINDER).delete()
        purge_queue()
        worker.start()
        return {**time_pipeline(sink, expected, timeout=timeout), "ref": BEFORE}
    except RuntimeError as error:
        # The other figures stand without it; the report says the row is missing.
        log(f"  the before row failed: {error}")
        return None
    finally:
        worker.stop()
        purge_queue()
        shutil.rmtree(tree, ignore_errors=True)
