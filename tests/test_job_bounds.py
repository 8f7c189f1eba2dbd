"""One job, one box: the kernel bounds the memory (page cache, memfd, tmpfs included), the task
count and counts the CPU time of all of a job's processes together, through the job's cgroup.

The attacks are submitted the way a student would: a module graded through the real CLI
(`python -m grader.cli grade DIR --format json`), with small limits so they are quick and do not
hurt whoever else uses the machine. Each attack is the reference with one function sabotaged, so
the other functions must still score full marks.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import cgroups
from grader.sandbox import Limits, Sandbox, detect_mode

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = (ROOT / "solutions" / "activations.py").read_text(encoding="utf-8")
LIMIT = 256 << 20
SMALL = {
    "DLGRADE_LIMIT_CALL_SECONDS": "3",
    "DLGRADE_LIMIT_LOAD_SECONDS": "3",
    "DLGRADE_LIMIT_MEMORY_BYTES": str(LIMIT),
}


def _why_no_cgroups() -> str:
    try:
        cgroups.open_layer(LIMIT, 16).close()
    except cgroups.Unavailable as why:
        return str(why)
    return ""


NO_CGROUPS = _why_no_cgroups()
STRONG = detect_mode() == "bwrap"
needs_cgroups = pytest.mark.skipif(bool(NO_CGROUPS), reason=f"no job cgroups here: {NO_CGROUPS}")
needs_bwrap = pytest.mark.skipif(not STRONG, reason="bubblewrap is not usable here")


def sabotage(fn: str, body: str, prelude: str = "") -> str:
    match = re.search(rf"^def {fn}\((.*?)\):", SOLUTION, flags=re.M)
    assert match, fn
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    return SOLUTION + prelude + f"\n\ndef {fn}({match.group(1)}):\n{indented}\n"


def run_grade(tmp_path: Path, module: str, env: dict[str, str] | None = None, lang: str = "en",
              timeout: float = 180) -> subprocess.CompletedProcess:  # fmt: skip
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    (folder / "activations.py").write_text(module, encoding="utf-8")
    command = [sys.executable, "-m", "grader.cli", "grade", str(folder), "--format", "json",
               "--lang", lang, "--topic", "activations"]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, **SMALL, **(env or {})})  # fmt: skip


def grade(tmp_path: Path, module: str, env: dict[str, str] | None = None, lang: str = "en") -> dict:
    done = run_grade(tmp_path, module, env, lang)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def lost(report: dict) -> dict[str, dict]:
    tests = report["topics"]["activations"]["tests"]
    return {t["name"]: t for t in tests if t["points"] < t["max_points"]}


def only_lost(report: dict, fn: str) -> dict[str, dict]:
    """Points were lost, and only on the tests of ``fn`` (``relu`` is not ``relu_grad``)."""
    names = lost(report)
    assert names, f"the sabotaged {fn} lost nothing: {report['topics']['activations'].get('resources')}"
    others = [n for n in names if not (n == fn or n.startswith(fn + "_") or n.endswith(f"[{fn}]"))
              or n.startswith(fn + "_grad")]  # fmt: skip
    assert not others, f"tests of other functions lost points: {others}"
    return names


def resources(report: dict) -> dict:
    return report["topics"]["activations"]["resources"]


# the attack runs on the first call only (a module global remembers), so the test that made that
# call loses its points and every later call is the honest reference
ONCE = "\n\nATTACKED = []\n"


@needs_cgroups
@needs_bwrap
def test_forked_children_together_stay_under_the_job_limit(tmp_path: Path) -> None:
    # five children, each well under its own RLIMIT_AS (the job's limit), 500 MiB together
    body = """
import os, time
if not ATTACKED:
    ATTACKED.append(1)
    kids = []
    for _ in range(5):
        pid = os.fork()
        if pid == 0:
            try:
                block = bytearray(100 << 20)
                for i in range(0, len(block), 4096):
                    block[i] = 1
                time.sleep(1.0)
            finally:
                os._exit(0)
        kids.append(pid)
    done = sum(os.WIFEXITED(s) and os.WEXITSTATUS(s) == 0 for s in (os.waitpid(k, 0)[1] for k in kids))
    raise RuntimeError(f"{done} of 5 children finished")
return x * (x > 0)
"""
    report = grade(tmp_path, sabotage("relu", body, ONCE))
    names = only_lost(report, "relu")
    (message,) = [t["message"] for t in names.values() if "children finished" in t["message"]]
    finished = int(re.search(r"(\d) of 5 children finished", message).group(1))
    assert finished <= 2, message  # 256 MiB hold two blocks of 100 MiB, never five
    used = resources(report)
    assert used["oom_killed"] is True
    assert 100 << 20 < used["peak_memory_bytes"] <= LIMIT


def _ran_out_of_memory(report: dict, lang: str = "en") -> None:
    text = {"en": "ran out of memory (the job's limit is 256 MiB, all its processes together)",
            "ru": "исчерпал память (лимит задания — 256 МиБ на все его процессы вместе)"}[lang]  # fmt: skip
    names = only_lost(report, "relu")
    assert any(text in t["message"] for t in names.values()), [t["message"] for t in names.values()]
    used = resources(report)
    assert used["oom_killed"] is True and used["peak_memory_bytes"] <= LIMIT


@needs_cgroups
@needs_bwrap
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_memfds_are_bounded_by_the_job(tmp_path: Path, lang: str) -> None:
    # 70 memfds of 15 MiB (each under RLIMIT_FSIZE; memfd pages are not address space): 1 GiB
    body = """
import os
if not ATTACKED:
    ATTACKED.append(1)
    chunk = b"m" * (1 << 20)
    fds = [os.memfd_create("hoard") for _ in range(70)]
    for fd in fds:
        for _ in range(15):
            os.write(fd, chunk)
    raise RuntimeError("held 1 GiB in memfds")
return x * (x > 0)
"""
    _ran_out_of_memory(grade(tmp_path, sabotage("relu", body, ONCE), lang=lang), lang)


@needs_cgroups
@needs_bwrap
def test_tmpfs_files_are_bounded_by_the_job(tmp_path: Path) -> None:
    # the jail's tmpfs is made large here, so only the job's memory bound can stop this
    body = """
import os
if not ATTACKED:
    ATTACKED.append(1)
    folder = "/tmp" if os.access("/tmp", os.W_OK) else os.getcwd()  # both tmpfs in the jail
    assert os.statvfs(folder).f_blocks * os.statvfs(folder).f_frsize >= 1 << 30
    chunk = b"t" * (1 << 20)
    for n in range(50):
        with open(os.path.join(folder, f"big{n}"), "wb") as handle:
            for _ in range(15):
                handle.write(chunk)
    raise RuntimeError("wrote 750 MiB into tmpfs")
return x * (x > 0)
"""
    report = grade(tmp_path, sabotage("relu", body, ONCE), env={"DLGRADE_LIMIT_TMPFS_BYTES": str(2 << 30)})
    _ran_out_of_memory(report)


@needs_cgroups
@needs_bwrap
def test_a_fork_bomb_costs_only_its_function_and_leaves_nothing(tmp_path: Path) -> None:
    marker = f"{os.getpid()}{int(time.time())}.5"
    body = f"""
import os
while True:
    try:
        os.fork()
    except OSError:
        try:
            os.execv("/bin/sleep", ["sleep", "{marker}"])
        except OSError:
            pass
"""
    report = grade(tmp_path, sabotage("relu", body), env={"DLGRADE_LIMIT_PROCESSES": "24"})
    names = only_lost(report, "relu")
    assert any("did not finish within" in t["message"] for t in names.values())
    used = resources(report)
    assert 1 < used["peak_processes"] <= 24
    time.sleep(0.3)
    survivors = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True, text=True)
    assert survivors.stdout.strip() == "", f"processes of the job survived: {survivors.stdout}"


def _too_slow_seconds(report: dict) -> float:
    names = only_lost(report, "relu")
    assert list(names) == ["vectorized[relu]"], list(names)
    message = names["vectorized[relu]"]["message"]
    found = re.search(r": ([0-9.e-]+) s of CPU", message)
    assert found, message
    return float(found.group(1))


BURN = """
import time
def _burn(seconds):
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
"""


@pytest.fixture(params=["cgroup", "proc"])
def accounting(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Where CPU time comes from: the job's cgroup, or (no cgroup) /proc/<pid>/stat."""
    if request.param == "cgroup":
        if NO_CGROUPS:
            pytest.skip(f"no job cgroups here: {NO_CGROUPS}")
        return {}
    (tmp_path / "no-cgroup").mkdir()
    return {"DLGRADE_CGROUPS": "optional", "DLGRADE_CGROUP_ROOT": str(tmp_path / "no-cgroup")}


def test_cpu_of_a_short_lived_thread_is_charged(tmp_path: Path, accounting: dict[str, str]) -> None:
    body = """
import threading
if x.size >= 300_000:  # the vectorization test's input: only it pays
    worker = threading.Thread(target=_burn, args=(0.4,))
    worker.start()
    worker.join()
return x * (x > 0)
"""
    report = grade(tmp_path, sabotage("relu", body, BURN), env=accounting)
    assert _too_slow_seconds(report) >= 0.4


def test_cpu_of_a_reaped_child_is_charged(tmp_path: Path, accounting: dict[str, str]) -> None:
    body = """
import os
if x.size >= 300_000:
    pid = os.fork()
    if pid == 0:
        try:
            _burn(0.4)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
return x * (x > 0)
"""
    report = grade(tmp_path, sabotage("relu", body, BURN), env=accounting)
    assert _too_slow_seconds(report) >= 0.35  # the 0.4 s burnt, read to two places under load


@needs_cgroups
@needs_bwrap
def test_the_cpu_budget_is_for_all_of_a_jobs_processes(tmp_path: Path) -> None:
    # four children, each far under its own RLIMIT_CPU, 6 s together over a 5 s job budget
    body = """
import os
if not ATTACKED:
    ATTACKED.append(1)
    kids = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            try:
                _burn(1.5)
            finally:
                os._exit(0)
        kids.append(pid)
    for pid in kids:
        os.waitpid(pid, 0)
return x * (x > 0)
"""
    env = {"DLGRADE_LIMIT_CPU_SECONDS": "5", "DLGRADE_LIMIT_CALL_SECONDS": "20"}
    report = grade(tmp_path, sabotage("relu", body, BURN + ONCE), env=env)
    names = only_lost(report, "relu")
    text = "ran out of CPU time (the job's limit is 5 s, all its processes together)"
    assert any(text in t["message"] for t in names.values()), [t["message"] for t in names.values()]


@needs_cgroups
def test_an_honest_topic_reports_its_resources_and_bounds(tmp_path: Path) -> None:
    report = grade(tmp_path, SOLUTION)
    assert report["score"] == report["max_score"] > 0
    used = resources(report)
    assert used["jobs"] >= 1 and used["oom_killed"] is False
    assert 0 < used["peak_memory_bytes"] <= LIMIT
    assert 1 <= used["peak_processes"] <= Limits().processes
    assert used["cpu_seconds"] > 0
    protections = report["protections"]
    assert protections["job_memory_bound"] is True and protections["job_process_bound"] is True
    assert protections["cgroup"] in ("v1", "v2") and protections["memory_limit_bytes"] == LIMIT


@needs_bwrap
def test_the_strong_jail_refuses_without_a_job_memory_bound(tmp_path: Path) -> None:
    empty = tmp_path / "not-a-cgroup"  # a machine without cgroups, as far as the layer can tell
    empty.mkdir()
    done = run_grade(tmp_path, SOLUTION, env={"DLGRADE_CGROUP_ROOT": str(empty)})
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "memory bound" in lines[0] and "DLGRADE_CGROUPS=optional" in lines[0]


@needs_bwrap
def test_cgroups_optional_grades_and_says_the_bound_is_missing(tmp_path: Path) -> None:
    empty = tmp_path / "not-a-cgroup"
    empty.mkdir()
    report = grade(tmp_path, SOLUTION, env={"DLGRADE_CGROUP_ROOT": str(empty), "DLGRADE_CGROUPS": "optional"})
    assert report["score"] == report["max_score"] > 0
    protections = report["protections"]
    assert protections["job_memory_bound"] is False and protections["cgroup"] is None
    assert protections["job_process_bound"] is False and protections["job_cpu_accounting"] is False
    assert str(empty) in protections["cgroup_problem"]
    assert resources(report) == {}


def test_an_unknown_cgroups_policy_is_one_error(tmp_path: Path) -> None:
    done = run_grade(tmp_path, SOLUTION, env={"DLGRADE_CGROUPS": "sometimes"})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "DLGRADE_CGROUPS='sometimes'" in lines[0] and "required, optional" in lines[0]


# ----------------------------------------------------------------------------- the layer itself
def _group_dirs(sandbox: Sandbox) -> list[Path]:
    layer = sandbox._cgroups
    assert layer is not None
    return list(layer.parents.values())


@needs_cgroups
def test_nothing_of_a_job_survives_and_no_group_is_left(tmp_path: Path) -> None:
    module = """
import os
def spawn_daemons():
    for _ in range(3):
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv("/bin/sleep", ["sleep", "600"])
            os._exit(0)
    return 1
"""
    with Sandbox(Limits(memory_bytes=LIMIT)) as sandbox:
        parents = _group_dirs(sandbox)
        job = sandbox.spawn()
        assert job.group is not None
        job.request({"op": "load", "files": {"daemons.py": module}, "module": "daemons"}, 10)
        job.request({"op": "call", "fn": "spawn_daemons", "args": [], "kwargs": {}}, 10)
        procs = [p for p in (parents[0] / "job-1" / "cgroup.procs").read_text().split()]
        assert len(procs) >= 4  # the worker and its three daemons, in the job's group
        job.close()
        assert job.usage is not None and job.usage.peak_processes >= 4
        for pid in procs:
            assert not Path(f"/proc/{pid}").exists() or _is_zombie_gone(int(pid)), f"{pid} survived"
        assert not any((parent / "job-1").exists() for parent in parents)
    assert not any(parent.exists() for parent in parents)


def _is_zombie_gone(pid: int) -> bool:
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.01)
    return False


@needs_cgroups
def test_groups_of_a_dead_grader_are_cleaned_at_start() -> None:
    layer = cgroups.open_layer(LIMIT, 16)
    try:
        dead = subprocess.Popen(["true"])
        dead.wait()
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)
        stale_name = f"sb-{namespace}-{dead.pid}-1-1"
        stale = []
        for parent in layer.parents.values():
            folder = parent.parent / stale_name if layer.version == "v1" else parent.parent / f"dlgrade-{stale_name}"
            (folder / "job-3").mkdir(parents=True)
            stale.append(folder)
        cgroups.open_layer(LIMIT, 16).close()
        assert not any(folder.exists() for folder in stale)
        assert all(parent.exists() for parent in layer.parents.values())  # a live one stays
    finally:
        layer.close()


def _doctor(env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-m", "grader.cli", "doctor", "--format", "json"], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env={**os.environ, **env})  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@needs_cgroups
def test_doctor_says_the_job_bounds_hold() -> None:
    facts = _doctor({})
    assert facts["job_memory_bound"] is True and facts["cgroup"] in ("v1", "v2")
    assert any("✓[/green] job-wide memory bound" in line for line in facts["lines"])


def test_doctor_says_what_to_do_without_job_bounds(tmp_path: Path) -> None:
    facts = _doctor({"DLGRADE_CGROUP_ROOT": str(tmp_path)})  # reports, never refuses
    assert facts["job_memory_bound"] is False
    assert any("✗[/red] job-wide memory bound" in line for line in facts["lines"])
    (advice,) = [line for line in facts["lines"] if "why not" in line]
    assert str(tmp_path) in advice and "DLGRADE_CGROUP_ROOT" in advice and "DLGRADE_CGROUPS=optional" in advice


# ----------------------------------------------------------------------------- death messages
# a limit the kernel refuses (over fs.nr_open): the worker cannot put its rlimits in place and
# ends with exit code 125 before any student code runs, so the grading machine is at fault
UNSETTABLE = {"DLGRADE_LIMIT_OPEN_FILES": str(1 << 31)}
NOT_SET_UP = {
    "en": "the grader could not set up the jail to run your code (a problem of the grading machine, not of your code)",
    "ru": "проверяющая система не смогла подготовить песочницу для запуска вашего кода (проблема машины, "
    "на которой идёт проверка, а не вашего кода)",
}


def run_batch(tmp_path: Path, module: str, env: dict[str, str], lang: str) -> tuple[subprocess.CompletedProcess, dict]:
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    (folder / "activations.py").write_text(module, encoding="utf-8")
    out = tmp_path / "grades.jsonl"
    command = [sys.executable, "-m", "grader.cli", "batch", str(folder), "--out", str(out), "--lang", lang,
               "--topic", "activations", "--jobs", "1"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=ROOT,
                          env={**os.environ, **SMALL, **env})  # fmt: skip
    (line,) = out.read_text(encoding="utf-8").splitlines()
    return done, json.loads(line)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_worker_that_cannot_be_set_up_is_the_graders_fault(tmp_path: Path, lang: str) -> None:
    done, record = run_batch(tmp_path, SOLUTION, UNSETTABLE, lang)
    assert done.returncode == 3, done.stderr[-2000:]  # the grader's failure, the record kept
    assert record["error_kind"] == "internal"
    assert "could not set up" in record["error"] and "exit code 125" in record["error"]
    assert "RLIMIT_NOFILE" in record["error"] and "not of the submission" in record["error"]
    topic = record["topics"]["activations"]
    assert topic["status"] == "not_gradable" and topic["score"] == 0
    assert NOT_SET_UP[lang] in topic["message"], topic["message"]
    assert "ended its own process" not in topic["message"] and "import" not in topic["message"]


def test_grade_says_the_machine_could_not_set_up_the_jail(tmp_path: Path) -> None:
    done = run_grade(tmp_path, SOLUTION, env=UNSETTABLE)
    assert done.returncode == 3 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()  # one line, no traceback (that is DLGRADE_DEBUG's)
    assert line.startswith("error: ")
    assert "could not set up a worker" in line and "exit code 125" in line and "RLIMIT_NOFILE" in line
    assert "not of the submission" in line


def test_a_student_exiting_with_125_is_still_the_students(tmp_path: Path) -> None:
    # the code the setup uses proves nothing: only a worker that never said it was ready is
    report = grade(tmp_path, SOLUTION + "\nimport os\nos._exit(125)\n")
    topic = report["topics"]["activations"]
    assert topic["status"] == "not_gradable" and "error" not in report or not report["error"]
    assert "ended its own process (exit code 125)" in topic["message"]


# 300,000 public functions: the grader asks the jail to describe only the contract's functions,
# so the module's size is no reason to refuse it, and the agent's own failures are named
HUGE = SOLUTION + "\nfor _i in range(300_000):\n    globals()[f'f{_i}'] = lambda x: x\n"


def test_a_module_of_300000_functions_is_graded(tmp_path: Path) -> None:
    report = grade(tmp_path, HUGE)
    topic = report["topics"]["activations"]
    assert topic["status"] == "graded", topic["message"]
    assert report["score"] == report["max_score"] > 0


# ----------------------------------------------------------------------------- a timing test twice
SLOW_AT_FIRST = """

_LARGE_CALLS = []
"""


def test_a_right_answer_slow_for_a_moment_is_timed_again_and_passes(tmp_path: Path) -> None:
    """A burst of another job's load on a shared machine, as the worker sees it: the first three
    large calls (all the first run of the timing test makes) burn 0.2 s each, the later ones
    are the reference's. The test runs again on other inputs and gives its point."""
    body = """
if x.size >= 300_000:
    _LARGE_CALLS.append(1)
    if len(_LARGE_CALLS) <= 3:
        _burn(0.2)
return x * (x > 0)
"""
    report = grade(tmp_path, sabotage("relu", body, BURN + SLOW_AT_FIRST))
    assert not lost(report), lost(report)


def test_a_loop_that_stores_its_answers_fails_the_second_timing_too(tmp_path: Path) -> None:
    """Every timed call gets inputs of its own (fastest_within's confirmations, and the runner's
    second run another seed): answers stored by earlier slow calls are no help, and the loop
    loses its point. The default memory limit: a confirmation's four times the values, stored
    with their keys by a loop over Python lists, do not fit in the small one."""
    body = """
key = x.tobytes()
if key not in _STORED:
    _STORED[key] = np.array([v if v > 0 else 0.0 for v in x.ravel().tolist()], dtype=x.dtype).reshape(x.shape)
return _STORED[key].copy()
"""
    report = grade(tmp_path, sabotage("relu", body, "\n\n_STORED = {}\n"), env={"DLGRADE_LIMIT_MEMORY_BYTES": str(2 << 30)})
    names = only_lost(report, "relu")
    assert list(names) == ["vectorized[relu]"], list(names)
    assert "as slow as a Python loop" in names["vectorized[relu]"]["message"]
