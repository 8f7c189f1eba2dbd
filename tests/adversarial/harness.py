"""The red team's harness: grade a submission as an instructor would (the real CLI, the real
jail, in a subprocess) and check the verdict a safe grader owes every attack:

- the marks: the honest functions of the module (and the honest topic graded after it) score
  in full; the attacked function loses its points, or, where the attack gains nothing, the
  score is exactly the honest one;
- no crash: exit 0 and exactly one JSON report on stdout (or, for a submission that must be
  refused, exit 2 and one ``error:`` line);
- memory: the job's peak (``resources.peak_memory_bytes`` of a topic, where the grader reports
  it) is at most the job's limit plus a small margin, and the grader process's own peak RSS
  stays bounded whatever the jail sends;
- no survivor: nothing the grade started is alive a second after it returns (the grade runs
  under ``reaper.py``, a child subreaper, so its orphans are counted exactly), and no process on
  the machine carries the attack's marker;
- nothing leaked: canaries in the grader's environment, in a file beside the course and in the
  grader's session keyring, and the code of the hidden suites, never appear in the output; no
  file outside the jail changed.
"""

from __future__ import annotations

import atexit
import fnmatch
import functools
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(HERE.parent) not in sys.path:  # tests/: test_jail_seal's way of becoming the ordinary user
    sys.path.insert(0, str(HERE.parent))
MODULES = HERE / "modules"
TOPICS = ("activations", "initialization", "batchnorm", "dropout", "optimizers", "matrix_ops")

MEMORY_LIMIT = 256 << 20  # the job's memory bound for every red-team grade: small, so attacks are cheap
MEMORY_MARGIN = 16 << 20  # what a job's peak may exceed it by (kernel rounding, the last page)
GRADER_RSS_BOUND = 384 << 20  # the grader process itself (about 90 MiB for an honest grade), whatever a jail sends
LIMITS = {
    "DLGRADE_LIMIT_CALL_SECONDS": "3",
    "DLGRADE_LIMIT_LOAD_SECONDS": "10",
    "DLGRADE_LIMIT_MEMORY_BYTES": str(MEMORY_LIMIT),
    "DLGRADE_LIMIT_SUBMISSION_SECONDS": "120",
}

# the canaries differ per test session: no attack can know them, it has to find them
CANARY_ENV = "cnryenv" + secrets.token_hex(8)
CANARY_FILE = "cnryfile" + secrets.token_hex(8)
CANARY_KEY = "cnrykey" + secrets.token_hex(8)
# a file beside the course, one per process (pytest-xdist workers each have their own canaries)
CANARY_PATH = ROOT / "course" / f".redteam-canary-{os.getpid()}"
KEYCTL = shutil.which("keyctl")
atexit.register(lambda: CANARY_PATH.unlink(missing_ok=True))

REFERENCE = {topic: (ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8") for topic in TOPICS}

_BOOT = """
import atexit, sys
hwm = sys.argv.pop(1)
if sys.path and sys.path[0] == "":  # as the console script: the current folder is not on the path
    sys.path.pop(0)
def _peak():
    with open("/proc/self/status") as status, open(hwm, "w") as out:
        out.write(status.read())
atexit.register(_peak)
sys.argv[0] = "dlgrade"
from grader.cli import main
main()
"""

# ask keyctl to put the canary in a fresh session keyring, then become the grader in it
_WITH_KEY = 'printf %s "$RT_KEY" | "$RT_KEYCTL" padd user dlgrade_redteam_canary @s >/dev/null && unset RT_KEY && exec "$@"'


def hidden_code_lines() -> list[str]:
    """Distinctive lines of every hidden suite's code; none may appear in any output."""
    found = []
    for topic in TOPICS:
        path = ROOT / "course" / topic / "hidden" / f"test_{topic}.py"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line) > 30 and not line.startswith(('"""', "ru:", "#", "L(", "f\"", '"')) and "ru:" not in line \
                    and not line.endswith('"""') and "import" not in line:  # fmt: skip
                found.append(line)
    return found


HIDDEN_LINES = hidden_code_lines()


def new_marker() -> str:
    return "redteam" + secrets.token_hex(5)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    marker: str
    survivors: list[dict] = field(default_factory=list)
    marked: list[str] = field(default_factory=list)  # processes anywhere carrying the marker
    grader_peak_rss: int | None = None
    changed: list[str] = field(default_factory=list)
    report: dict | None = None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _snapshot(paths: list[Path]) -> dict[str, tuple[int, int]]:
    seen = {}
    for top in paths:
        if top.is_file():
            stat = top.stat()
            seen[str(top)] = (stat.st_size, stat.st_mtime_ns)
            continue
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d not in ("__pycache__", ".git", ".venv", ".pytest_cache")]
            for name in files:
                path = os.path.join(folder, name)
                if path == str(CANARY_PATH):
                    continue
                try:
                    stat = os.lstat(path)
                except OSError:
                    continue
                seen[path] = (stat.st_size, stat.st_mtime_ns)
    return seen


def watched_paths() -> list[Path]:
    import numpy

    trees = [ROOT / name for name in ("course", "solutions", "grader", "exercises")]
    return trees + [Path(numpy.__file__).parent, MODULES]


def _marked_files(marker: str) -> list[str]:
    """Files named with the attack's marker wherever an escaped jail could write."""
    import numpy

    found = []
    for top in (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path("/work"), ROOT, ROOT / "course",
                ROOT / "solutions", Path(numpy.__file__).parent, Path(sys.prefix), Path("/root")):  # fmt: skip
        try:
            found += [str(top / name) for name in os.listdir(top) if marker in name]
        except OSError:
            pass
    for folder, _dirs, files in os.walk(ROOT / "course"):
        found += [os.path.join(folder, name) for name in files if marker in name]
    return sorted(set(found))


def _marked_processes(marker: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if marker in cmdline and "pytest" not in cmdline:
            found.append(f"{pid}: {cmdline[:200]}")
    return found


@functools.cache
def ordinary_user() -> str:
    """'' when the grader can run as the ordinary user ``dlgtest`` here, else why not (asked
    once a process: the probe starts an interpreter as that user)."""
    from test_jail_seal import _user_ready

    try:
        return _user_ready()
    except subprocess.CalledProcessError:  # another test process made the user meanwhile
        return _user_ready()


def run_grader(args: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None,
               watch: list[Path] = (), timeout: float = 150, course_env: bool = True,
               marker: str | None = None, path_env: str | None = None, as_user: bool = False) -> Run:  # fmt: skip
    """``dlgrade ARGS`` as an instructor would run it, with the canaries in place; ``as_user``:
    as the ordinary user ``dlgtest`` (its own session keyring holds the canary), the reaper
    still root."""
    marker = marker or new_marker()
    if not CANARY_PATH.exists():
        CANARY_PATH.write_text(CANARY_FILE, encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith("DLGRADE_")}
    full_env = {
        **base, **LIMITS,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "DLGRADE_CANARY": CANARY_ENV, "GITHUB_TOKEN": CANARY_ENV, "AWS_SECRET_ACCESS_KEY": CANARY_ENV,
        "RT_KEY": CANARY_KEY, "RT_KEYCTL": KEYCTL or "",
    }  # fmt: skip
    if course_env:
        full_env["DLGRADE_COURSE"] = str(ROOT)
    full_env.update(env or {})
    if path_env is not None:
        full_env["PATH"] = path_env
    work = Path(tempfile.mkdtemp(prefix="redteam-run-"))
    hwm, result = work / "hwm", work / "reaper.json"
    grader = [sys.executable, "-c", _BOOT, str(hwm), *args]
    if KEYCTL:
        grader = [KEYCTL, "session", "-", "/bin/sh", "-c", _WITH_KEY, "sh", *grader]
    if as_user:
        from test_jail_seal import _as_user

        os.chmod(work, 0o777)  # the grader writes its peak there
        grader = _as_user(grader, cwd)
    command = [sys.executable, str(HERE / "reaper.py"), str(result), "--", *grader]
    watch = [*watched_paths(), *watch]
    before = _snapshot(watch)
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                              env=full_env, start_new_session=True)  # fmt: skip
        code, stdout, stderr = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        code = -1
        stdout = expired.stdout or ""
        stdout = stdout.decode("utf-8", "replace") if isinstance(stdout, bytes) else stdout
        stderr = f"[redteam] the grade did not return within {timeout:g} s"
    seconds = time.monotonic() - started
    # keyctl's own notice, not the grader's
    stderr = "".join(line for line in stderr.splitlines(keepends=True) if not line.startswith("Joined session keyring"))
    run = Run(code, stdout, stderr, seconds, marker)
    try:
        reaped = json.loads(result.read_text())
        run.survivors = reaped["survivors"]
    except (OSError, ValueError):
        run.survivors = [{"note": "the reaper did not report (the grade was killed)"}]
    run.marked = _marked_processes(marker)
    try:
        status = hwm.read_text()
        run.grader_peak_rss = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) << 10
    except (OSError, AttributeError):
        pass
    after = _snapshot(watch)
    run.changed = sorted(
        path for path in before.keys() | after.keys() if before.get(path) != after.get(path) and not _anothers_canary(path)
    )
    for path in _marked_files(marker):
        run.changed.append(path)
        shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else os.unlink(path)
    shutil.rmtree(work, ignore_errors=True)
    if code == 0:
        try:
            run.report = json.loads(stdout)
        except ValueError:
            run.report = None
    return run


def grade(submission: Path, *extra: str, fmt: str = "json", **kwargs) -> Run:
    return run_grader(["grade", str(submission), "--format", fmt, "--lang", "en", *extra], **kwargs)


def _anothers_canary(path: str) -> bool:
    """The canary of another test process (pytest-xdist runs two): it comes and goes with that
    process, not with this grade."""
    name = Path(path).name
    return name.startswith(".redteam-canary-") and path != str(CANARY_PATH)


# ----------------------------------------------------------------------------- the verdict
def assert_no_leak(run: Run) -> None:
    text = run.output
    for name, canary in (("environment", CANARY_ENV), ("file beside the course", CANARY_FILE),
                         ("session keyring", CANARY_KEY)):  # fmt: skip
        assert canary not in text, f"the canary of the grader's {name} reached the output"
    for line in HIDDEN_LINES:
        assert line not in text, f"hidden suite code reached the output: {line!r}"
    assert not run.changed, f"files outside the jail changed: {run.changed[:10]}"


def assert_no_survivor(run: Run) -> None:
    assert not run.survivors, f"processes survived the grade: {run.survivors[:5]}"
    assert not run.marked, f"processes carrying the attack's marker are alive: {run.marked[:5]}"


def assert_bounded(run: Run) -> None:
    if run.grader_peak_rss is not None:
        assert run.grader_peak_rss <= GRADER_RSS_BOUND, (
            f"the grader's own peak RSS was {run.grader_peak_rss >> 20} MiB (bound {GRADER_RSS_BOUND >> 20} MiB)"
        )
    for name, topic in ((run.report or {}).get("topics") or {}).items():
        peak = (topic.get("resources") or {}).get("peak_memory_bytes")
        if peak is not None:
            assert peak <= MEMORY_LIMIT + MEMORY_MARGIN, (
                f"{name}: the job's peak memory was {peak >> 20} MiB, over its {MEMORY_LIMIT >> 20} MiB limit"
            )


def assert_report(run: Run) -> dict:
    """No crash: exit 0 and exactly one JSON report on stdout."""
    assert run.code == 0, f"exit code {run.code}: {run.stderr[-3000:]}"
    assert run.report is not None, f"stdout is not exactly one JSON report: {run.stdout[:500]!r}"
    return run.report


def assert_refused(run: Run, *words: str) -> str:
    """A submission the grader must refuse: exit 2 and one ``error:`` line saying why."""
    assert run.code == 2, f"expected exit 2 (refused), got {run.code}: {run.stderr[-2000:]}"
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), f"not one error line: {run.stderr[-2000:]}"
    assert run.stdout.strip() == "", "a refused grade printed a report"
    if words:
        assert any(word in lines[0].lower() for word in words), f"the error does not say why: {lines[0]}"
    return lines[0]


def assert_safe(run: Run) -> dict:
    report = assert_report(run)
    assert_no_leak(run)
    assert_no_survivor(run)
    assert_bounded(run)
    return report


FUNCTIONS = {topic: tuple(name for name in re.findall(r"^def (\w+)\(", REFERENCE[topic], flags=re.M)
                         if not name.startswith("_")) for topic in TOPICS}  # fmt: skip
ACTIVATIONS = FUNCTIONS["activations"]


def function_of(test_name: str, functions: tuple[str, ...] = ACTIVATIONS) -> str:
    """The function a hidden test is about: its parameter (``vectorized[elu]``), else the
    longest function name the test's name starts with (``relu_grad_at_zero``: relu_grad)."""
    if "[" in test_name:
        return test_name[test_name.index("[") + 1 : -1]
    starts = [fn for fn in functions if test_name == fn or test_name.startswith(fn + "_")]
    return max(starts, key=len) if starts else ""


@dataclass(frozen=True)
class Verdict:
    """What the marks must be. ``must``: tests that must lose points; ``may``: functions (or
    test-name patterns, ``bn_backward_*``) whose tests may lose points (the attacked one);
    ``no_fail``: functions whose tests may be lost to an error (the worker killed) but never
    fail on values (a wrong value is the attack's signal that it got through). Every other
    test of every graded topic scores in full."""

    must: tuple[str, ...] = ()
    may: tuple[str, ...] = ()
    no_fail: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Verdict:
        must, may, no_fail = [], [], []
        for token in text.split():
            kind, _, what = token.partition(":")
            {"must": must, "may": may, "nofail": no_fail}[kind].append(what)
        return cls(tuple(must), tuple(may), tuple(no_fail))

    def check(self, report: dict, attacked: str = "activations", honest: str = "initialization") -> None:
        functions = FUNCTIONS[attacked]
        allowed = set(self.may) | set(self.no_fail) | {function_of(name, functions) for name in self.must}
        for topic in (attacked, honest):
            data = report["topics"][topic]
            assert data["status"] != "missing", f"{topic}: not graded"
            tests = {t["name"]: t for t in data["tests"]}
            assert tests, f"{topic}: no test ran ({data['status']}: {data['message']})"
            for name in self.must:
                if topic == attacked:
                    assert name in tests, f"no test {name}"
                    assert tests[name]["points"] < tests[name]["max_points"], f"{name} kept its points: the attack paid"
            for name, test in tests.items():
                fn = function_of(name, functions) if topic == attacked else ""
                if fn in self.no_fail:
                    assert test["outcome"] != "fail", f"{name} failed on values: the attack got through ({test['message']})"
                if (
                    test["points"] < test["max_points"]
                    and fn not in allowed
                    and not (topic == attacked and any(fnmatch.fnmatchcase(name, p) for p in self.may))
                ):
                    raise AssertionError(f"{topic}.{name} is honest but lost points: {test['outcome']}: {test['message']}")


# ----------------------------------------------------------------------------- module attacks
@dataclass(frozen=True)
class Attack:
    """One file of ``modules/``: appended to the reference of its topic (``TOPIC:``, by default
    activations; every function it does not redefine is exactly the reference) and submitted
    as ``<topic>.py`` beside the reference of an honest topic (initialization, or activations
    for an attack on initialization), graded after it: it fails if the attack broke the jail
    for the jobs that follow."""

    name: str
    path: Path
    topic: str
    title: str
    safe: str
    verdict: Verdict
    modes: tuple[str, ...]
    formats: tuple[str, ...]
    user_verdict: Verdict | None = None  # the verdict as the ordinary user, where it differs

    @classmethod
    def load(cls, path: Path) -> Attack:
        text = path.read_text(encoding="utf-8")
        header = {}
        for key in ("ATTACK", "SAFE GRADER", "VERDICT", "USER VERDICT", "MODES", "FORMATS", "TOPIC"):
            match = re.search(rf"^# {key}:(.*(?:\n#   .*)*)", text, flags=re.M)
            header[key] = " ".join(part.strip(" #") for part in match.group(1).splitlines()) if match else ""
        assert header["ATTACK"] and header["SAFE GRADER"], f"{path.name}: the header must name the attack and the safe behaviour"
        return cls(path.stem, path, header["TOPIC"].strip() or "activations", header["ATTACK"].strip(),
                   header["SAFE GRADER"].strip(), Verdict.parse(header["VERDICT"]), tuple(header["MODES"].split()) or ("bwrap",),
                   tuple(header["FORMATS"].split()) or ("json",),
                   Verdict.parse(header["USER VERDICT"]) if header["USER VERDICT"] else None)  # fmt: skip

    def source(self, marker: str) -> str:
        body = self.path.read_text(encoding="utf-8")
        body = body.replace("@MARKER@", marker).replace("@MEMORY_LIMIT@", str(MEMORY_LIMIT))
        return REFERENCE[self.topic] + "\n\n# ---- the attack ----\n" + body

    @property
    def honest_topic(self) -> str:
        return "initialization" if self.topic != "initialization" else "activations"

    def submission(self, folder: Path, marker: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{self.topic}.py").write_text(self.source(marker), encoding="utf-8")
        (folder / f"{self.honest_topic}.py").write_text(REFERENCE[self.honest_topic], encoding="utf-8")
        return folder


def attacks() -> list[Attack]:
    return [Attack.load(path) for path in sorted(MODULES.glob("*.py"))]


def held_bytes(report: dict) -> int:
    """The most memory an attack's processes said they held at once (``HELD <who> <bytes>``
    lines in its output): every holder keeps what it got until the job ends."""
    most: dict[str, int] = {}
    for topic in report["topics"].values():
        for who, amount in re.findall(r"HELD (\S+) (\d+)", topic.get("output", "")):
            most[who] = max(most.get(who, 0), int(amount))
    return sum(most.values())
