"""The jail's seal: what a worker may not do to the kernel, to the zygote that forked it, to the
keyrings of whoever started the grader, and to the jobs that come after it.

Each test is a submission graded as a student's would be (``dlgrade grade DIR --format json``
in a subprocess). The attack goes into one function of the reference, which then raises with
what it observed (``OBS {...}`` in the test's message); every other function must still score
full marks, so an attack that breaks the zygote or the next job shows as points lost elsewhere.
Where the uid matters (bubblewrap's user namespace, where worker and zygote share one), the
same submission is also graded by an ordinary user, ``dlgtest``, created for it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
REFERENCE = (SOLUTIONS / "activations.py").read_text(encoding="utf-8")
FAST = {"DLGRADE_LIMIT_CALL_SECONDS": "5", "DLGRADE_LIMIT_LOAD_SECONDS": "5"}
USER = "dlgtest"
IS_ROOT = os.geteuid() == 0

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the jail is Linux's")

# the prelude every attack may use: raw system calls through libc
PRELUDE = '''
import ctypes, errno, json, os
_LIBC = ctypes.CDLL(None, use_errno=True)
_LIBC.syscall.restype = ctypes.c_long
_NR = {"unshare": 272, "ptrace": 101, "process_vm_writev": 311, "keyctl": 250, "kill": 62}


def _sys(name, *args):
    """errno of the call (0: it worked)."""
    result = _LIBC.syscall(ctypes.c_long(_NR[name]), *[ctypes.c_long(a) for a in args])
    return 0 if result != -1 else errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno())


def _try(action):
    try:
        action()
        return "done"
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))
'''


def sabotage(fn: str, body: str, source: str = REFERENCE) -> str:
    """The reference with ``fn`` replaced by a function of the same signature running ``body``."""
    match = re.search(rf"^def {fn}\((.*?)\):", source, flags=re.M)
    assert match, fn
    return source + PRELUDE + f"\n\ndef {fn}({match.group(1)}):\n{textwrap.indent(body.strip(), '    ')}\n"


def _user_ready() -> str:
    """'' when ``dlgtest`` can run the grader from this checkout, else why not."""
    if not IS_ROOT:
        return "only root can create the ordinary user and run the grader as it"
    if not shutil.which("runuser") or not shutil.which("unshare"):
        return "runuser and unshare (util-linux) are needed"
    if subprocess.run(["id", USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "-m", USER], check=True, capture_output=True)
    probe = _as_user([sys.executable, "-c", "import grader.cli, numpy, msgpack"], cwd=ROOT)
    done = subprocess.run(probe, capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    return "" if done.returncode == 0 else f"{USER} cannot run the grader here: {done.stderr[-300:]}"


def _as_user(command: list[str], cwd: Path) -> list[str]:
    """``command`` as ``dlgtest``, in a mount namespace of its own where the folders on the way
    to the interpreter that only root may enter (pyenv under /root) are opened: an empty tmpfs
    over the closed folder, with only the interpreter's subtree bound back into it."""
    script = ["set -e"]
    prefix = Path(sys.base_prefix).resolve()
    for closed in [*reversed(prefix.parents), prefix]:
        if closed != Path("/") and not os.stat(closed).st_mode & 0o001:
            inner = prefix.relative_to(closed).parts[0]
            script += [f'T=$(mktemp -d); mount --bind "{closed / inner}" "$T"',
                       f'mount -t tmpfs -o mode=0755,size=1m dlgtest-view "{closed}"',
                       f'mkdir "{closed / inner}"; mount --move "$T" "{closed / inner}"']  # fmt: skip
            break
    script.append(f'cd "{cwd}"; exec runuser -u {USER} -- "$@"')
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script), "sh", *command]


def grade(files: dict[str, str], *, topic: str | None = "activations", as_user: bool = False,
          env: dict[str, str] | None = None, timeout: float = 180,
          wrap: list[str] | None = None) -> tuple[dict, str, float]:  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="dlgrade-seal-"))
    try:
        os.chmod(folder, 0o755)  # dlgtest reads it
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        command = [sys.executable, "-m", "grader.cli", "grade", str(folder), "--format", "json",
                   "--lang", "en"]  # fmt: skip
        if topic:
            command += ["--topic", topic]
        command = (wrap or []) + command
        if as_user:
            command = _as_user(command, ROOT)
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT), **FAST, **(env or {})})  # fmt: skip
        seconds = time.monotonic() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout), done.stdout + done.stderr, seconds


def lost(report: dict, topic: str = "activations") -> dict[str, dict]:
    return {t["name"]: t for t in report["topics"][topic]["tests"] if t["points"] < t["max_points"]}


FUNCTIONS = ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu",
             "leaky_relu_grad", "elu", "elu_grad")  # fmt: skip


def function_of(test_name: str) -> str:
    """The function a hidden test is about: its parameter (``vectorized[elu]``), else the
    longest function name the test's name starts with."""
    if "[" in test_name:
        return test_name[test_name.index("[") + 1 : -1]
    starts = [fn for fn in FUNCTIONS if test_name == fn or test_name.startswith(fn + "_")]
    return max(starts, key=len) if starts else ""


def observed(report: dict, fn: str) -> dict:
    """What the sabotaged function saw, from its exception in the first test it lost; and
    only its own tests lost points."""
    names = lost(report)
    others = [name for name in names if function_of(name) != fn]
    assert not others, f"tests of other functions lost points: {others}"
    assert names, f"{fn} lost nothing: {report['topics']['activations']}"
    for test in names.values():
        match = re.search(r"OBS ([a-p]+)", test["message"])
        if match:
            return json.loads(zlib.decompress(bytes.fromhex(match.group(1).translate(_FROM_LETTERS))))
    raise AssertionError(f"no observation in {[t['message'] for t in names.values()]}")


# The observation leaves the jail in the exception's text, as the report shows it. The report
# leaves out of that text what could be input values (numbers, hex and base64 runs: grader.redact),
# so it travels compressed and spelt in the letters a-p only, two per byte, which it keeps whole.
_FROM_LETTERS = str.maketrans("abcdefghijklmnop", "0123456789abcdef")


def observations(report: dict) -> dict:
    """Every observation in the report's lost tests, merged (several functions may observe)."""
    merged: dict = {}
    for test in lost(report).values():
        for packed in re.findall(r"OBS ([a-p]+)", test["message"]):
            merged.update(json.loads(zlib.decompress(bytes.fromhex(packed.translate(_FROM_LETTERS)))))
    return merged


def finish(body: str) -> str:
    return body + textwrap.dedent("""
        import zlib as _zlib
        _packed = _zlib.compress(json.dumps(OBS, separators=(",", ":")).encode(), 9)
        raise RuntimeError("OBS " + "".join("abcdefghijklmnop"[b >> 4] + "abcdefghijklmnop"[b & 15] for b in _packed))
    """)


MODES = [pytest.param(False, id="grader-as-root"), pytest.param(True, id="grader-as-user")]


@pytest.fixture(scope="module")
def user_ready() -> str:
    return _user_ready()


def _run(as_user: bool, user_ready: str, files: dict[str, str], **kwargs) -> tuple[dict, str, float]:
    if as_user and user_ready:
        pytest.skip(user_ready)
    if not as_user and not IS_ROOT:
        pytest.skip("the grader already runs as an ordinary user: the other case covers it")
    if as_user:  # an ordinary user may create no cgroup here: the bounds under test are others
        kwargs["env"] = {"DLGRADE_CGROUPS": "optional", **kwargs.get("env", {})}
    return grade(files, as_user=as_user, **kwargs)


@pytest.mark.parametrize("as_user", MODES)
def test_no_new_user_namespace(as_user: bool, user_ready: str) -> None:
    body = finish("""
OBS = {"unshare": _sys("unshare", 0x10000000), "unshare_mount": _sys("unshare", 0x00020000),
       "uid": os.getuid()}
""")
    report, _, _ = _run(as_user, user_ready, {"activations.py": sabotage("elu", body)})
    seen = observed(report, "elu")
    assert seen["unshare"] == "EPERM" and seen["unshare_mount"] == "EPERM", seen
    assert report["protections"]["seccomp"] is True


@pytest.mark.parametrize("as_user", MODES)
def test_zygote_cannot_be_traced_written_or_signalled(as_user: bool, user_ready: str) -> None:
    # every way in to the process that forks the next job: it must go on forking them
    body = finish("""
import signal
z = os.getppid()
buffer = ctypes.create_string_buffer(8)
iov = (ctypes.c_void_p * 2)(ctypes.addressof(buffer), 8)
OBS = {
    "ptrace": _sys("ptrace", 16, z, 0, 0),  # PTRACE_ATTACH
    "vm_writev": _sys("process_vm_writev", z, ctypes.addressof(iov), 1, ctypes.addressof(iov), 1, 0),
    "mem": _try(lambda: open(f"/proc/{z}/mem", "r+b").write(b"x")),
    "control_fd": _try(lambda: [os.open(f"/proc/{z}/fd/{fd}", os.O_RDWR) for fd in range(3, 8)]),
    "prlimit": _try(lambda: __import__("resource").prlimit(z, __import__("resource").RLIMIT_NOFILE, (0, 0))),
    "kill": _try(lambda: os.kill(z, signal.SIGKILL)),
    "killpg": _try(lambda: os.killpg(z, signal.SIGKILL)),
    "kill_all": _try(lambda: os.kill(-1, signal.SIGKILL)),
    "stop": _try(lambda: os.kill(z, signal.SIGSTOP)),
}
""")
    report, _, _ = _run(as_user, user_ready, {"activations.py": sabotage("elu", body)})
    seen = observed(report, "elu")  # and every other function scored: the zygote lived on
    for attack in ("ptrace", "vm_writev", "prlimit", "kill", "killpg", "kill_all", "stop"):
        assert seen[attack] in ("EPERM", "ESRCH"), (attack, seen)
    assert seen["mem"] in ("EACCES", "EPERM") and seen["control_fd"] in ("EACCES", "EPERM", "ENOENT"), seen
    assert report["protections"]["zygote_unreachable"] is True


def _keyring_command() -> list[str]:
    """Run the grader with a secret in its session keyring, as a CI job might hold one."""
    boot = textwrap.dedent("""
        import ctypes, os, sys
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        assert libc.syscall(250, 1, None) > 0  # KEYCTL_JOIN_SESSION_KEYRING: a fresh one
        secret = b"keyring-canary-4f1e9a"
        assert libc.syscall(248, b"user", b"dlgrade-canary", secret, len(secret), -3) > 0  # add_key @s
        os.execv(sys.argv[1], sys.argv[1:])  # the grader's command line, in this keyring
    """)
    return [sys.executable, "-c", boot]


@pytest.mark.parametrize("as_user", MODES)
def test_keyring_of_the_grader_is_not_readable(as_user: bool, user_ready: str) -> None:
    body = finish("""
buffer = ctypes.create_string_buffer(256)
found = _LIBC.syscall(ctypes.c_long(250), ctypes.c_long(10), ctypes.c_long(-3), b"user",
                      b"dlgrade-canary", ctypes.c_long(0))  # KEYCTL_SEARCH in @s
secret = ""
if found > 0:
    size = _LIBC.syscall(ctypes.c_long(250), ctypes.c_long(11), ctypes.c_long(found), buffer, ctypes.c_long(256))
    secret = buffer.raw[:max(size, 0)].decode("latin-1")
try:
    listed = "dlgrade-canary" in open("/proc/keys").read()
except OSError:
    listed = False
OBS = {"search": int(found), "secret": secret, "listed": listed}
""")
    report, output, _ = _run(as_user, user_ready, {"activations.py": sabotage("elu", body)},
                             wrap=_keyring_command()[:3])  # fmt: skip
    seen = observed(report, "elu")
    assert "keyring-canary-4f1e9a" not in output
    assert seen["search"] < 0 and seen["secret"] == "" and not seen["listed"], seen
    assert report["protections"]["fresh_keyring"] is True


PLANT = """
import ctypes, os, glob
_IPC = ctypes.CDLL(None, use_errno=True)
_IPC.shmget(0x5EA1, 4096, 0o1000 | 0o666)  # System V objects outlive their process
_IPC.msgget(0x5EA2, 0o1000 | 0o666)
for folder in ("/work", "/tmp", "/dev/shm", "/var/tmp", os.getcwd(), os.path.dirname(os.getcwd())):
    for name in ["planted.py", "numpy.py", "sitecustomize.py", "json.py"]:
        try:
            with open(os.path.join(folder, name), "w") as handle:
                handle.write("import sys\\nsys.modules.clear()\\n")
        except OSError:
            pass
    for n in range(1, 40):  # the next job's folder, by every name it might get
        for pattern in ("job-{}", "job{}"):
            try:
                os.makedirs(os.path.join(folder, pattern.format(n)), mode=0o500)
            except OSError:
                pass
"""

CHECK = """
import glob as _glob
_FOUND = [p for folder in ("/work", "/tmp", "/dev/shm", "/var/tmp", "..")
          for p in _glob.glob(folder + "/*planted*") + _glob.glob(folder + "/*/planted.py")]
if _FOUND:
    raise SystemExit("a file of an earlier job is here: " + repr(_FOUND))
import ctypes as _ctypes
_IPC = _ctypes.CDLL(None, use_errno=True)
if _IPC.shmget(0x5EA1, 0, 0) != -1 or _IPC.msgget(0x5EA2, 0) != -1:
    raise SystemExit("an IPC object of an earlier job is here")
"""


@pytest.mark.parametrize("as_user,jail", [pytest.param(False, "bwrap", id="grader-as-root"),
                                          pytest.param(True, "bwrap", id="grader-as-user"),
                                          pytest.param(False, "plain", id="plain-as-root")])  # fmt: skip
def test_files_left_for_the_next_job_change_nothing(as_user: bool, jail: str, user_ready: str) -> None:
    init = (SOLUTIONS / "initialization.py").read_text(encoding="utf-8")
    files = {"activations.py": PLANT + REFERENCE, "initialization.py": CHECK + init}
    report, _, _ = _run(as_user, user_ready, files, topic=None, env={"DLGRADE_JAIL": jail})
    for topic in ("activations", "initialization"):
        result = report["topics"][topic]
        assert result["score"] == result["max_score"] > 0, (topic, result.get("message"), lost(report, topic))
    assert report["protections"]["private_job_folder"] is True


FLOOD = """
import os, shutil
home = os.environ["HOME"]
made = depth = big = 0
for i in range(1_000_000):  # a million empty files
    try:
        open(f"{home}/f{i}", "w").close()
        made += 1
    except OSError:
        break
for i in range(made):  # room for the next attack: the bound is what is measured, not its order
    os.unlink(f"{home}/f{i}")
block = b"x" * (1 << 20)
try:
    for i in range(400):  # 400 files of 1 MB
        with open(f"{home}/big{i}", "wb") as handle:
            handle.write(block)
        big += 1
except OSError:
    pass
for i in range(big + 1):
    if os.path.exists(f"{home}/big{i}"):
        os.unlink(f"{home}/big{i}")
try:
    os.makedirs(f"{home}/deep", exist_ok=True)
    os.chdir(f"{home}/deep")
    for i in range(5000):  # a chain 5,000 folders deep
        os.mkdir("d")
        os.chdir("d")
        depth += 1
except OSError:
    pass
os.chdir(home)
"""


@pytest.mark.parametrize("as_user", MODES)
def test_a_million_files_and_a_deep_chain_are_bounded(as_user: bool, user_ready: str) -> None:
    files = {"activations.py": sabotage("elu", finish(FLOOD + 'OBS = {"files": made, "depth": depth, "mb": big}')),
             "initialization.py": (SOLUTIONS / "initialization.py").read_text(encoding="utf-8")}  # fmt: skip
    env = {"DLGRADE_LIMIT_JOB_FILES": "6000", "DLGRADE_LIMIT_TMPFS_BYTES": str(32 << 20),
           "DLGRADE_LIMIT_SUBMISSION_SECONDS": "120"}  # fmt: skip
    report, _, seconds = _run(as_user, user_ready, files, topic=None, env=env)
    seen = observed(report, "elu")
    assert seen["files"] < 6000 and seen["mb"] < 32 and seen["depth"] == 5000, seen  # the kernel said no
    init = report["topics"]["initialization"]
    assert init["score"] == init["max_score"] > 0  # the topic after it scored
    assert seconds < 120, f"the grader took {seconds:.0f} s"
    assert report["protections"]["job_file_bounds"] is True


def test_worker_holds_no_capability() -> None:
    body = finish("""
status = dict(line.split(":", 1) for line in open("/proc/self/status") if line.startswith("Cap"))
OBS = {key: value.strip() for key, value in status.items()}
OBS["no_new_privs"] = [line.split()[1] for line in open("/proc/self/status") if line.startswith("NoNewPrivs")][0]
""")
    report, _, _ = grade({"activations.py": sabotage("elu", body)})
    seen = observed(report, "elu")
    for field in ("CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh"):
        assert int(seen[field], 16) == 0, seen
    assert seen["no_new_privs"] == "1"


def _site_folders() -> list[str]:
    import site
    import sysconfig

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    found = [*site.getsitepackages(), str(stdlib / "site-packages"), sysconfig.get_paths()["purelib"]]
    return sorted({folder for folder in found if Path(folder).is_dir()})


@pytest.mark.skipif(not IS_ROOT, reason="plain mode hides the course only when the grader is root")
def test_plain_mode_as_root_hides_the_course_and_drops_root() -> None:
    hidden = ROOT / "course" / "activations" / "hidden" / "test_activations.py"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    body = finish(f"""
import importlib, socket
def _imports(name):
    try:
        importlib.import_module(name)
        return "imported"
    except ImportError:
        return "ImportError"
OBS = {{"uid": os.getuid(), "solutions": _imports("solutions"), "grader": _imports("grader"),
       "course": _imports("course"),
       "hidden": _try(lambda: open({str(hidden)!r}).read()),
       "reference": _try(lambda: open({str(SOLUTIONS / "activations.py")!r}).read()),
       "listing": _try(lambda: os.listdir({str(ROOT)!r})),
       "network": _try(lambda: socket.create_connection(("127.0.0.1", {port}), timeout=1)),
       "site": [_try(lambda: os.listdir(path)) for path in {_site_folders()!r}]}}
""")
    try:
        report, _, _ = grade({"activations.py": sabotage("elu", body)}, env={"DLGRADE_JAIL": "plain"})
    finally:
        listener.close()
    assert report["protections"]["jail"] == "plain"
    seen = observed(report, "elu")
    assert seen["uid"] == 65534, seen
    assert seen["solutions"] == seen["grader"] == seen["course"] == "ImportError", seen
    assert seen["hidden"] in ("EACCES", "ENOENT") and seen["reference"] in ("EACCES", "ENOENT"), seen
    assert seen["listing"] in ("EACCES", "ENOENT"), seen
    assert seen["network"] in ("ENETUNREACH", "ECONNREFUSED"), seen  # a network of its own
    assert report["protections"]["network"] is True
    assert set(seen["site"]) <= {"EACCES", "ENOENT"}, seen  # no site-packages: not the venv's, not the base's
    assert report["protections"]["course_hidden"] is True
    assert report["protections"]["unprivileged_uid"] is True


@pytest.mark.skipif(not IS_ROOT, reason="needs root for the plain mode's private mounts")
def test_plain_mode_survives_the_flood_and_the_deep_chain() -> None:
    files = {"activations.py": sabotage("elu", finish(FLOOD + 'OBS = {"files": made, "depth": depth, "mb": big}')),
             "initialization.py": (SOLUTIONS / "initialization.py").read_text(encoding="utf-8")}  # fmt: skip
    env = {"DLGRADE_JAIL": "plain", "DLGRADE_LIMIT_JOB_FILES": "6000"}
    report, _, seconds = grade(files, topic=None, env=env)
    observed(report, "elu")
    init = report["topics"]["initialization"]
    assert init["score"] == init["max_score"] > 0
    assert seconds < 120


def test_protections_say_what_holds() -> None:
    from grader.sandbox import Sandbox

    with Sandbox() as sandbox:
        facts = sandbox.protections()
    for key in ("jail", "memory_limit_bytes", "seccomp", "fresh_keyring", "zygote_unreachable",
                "private_job_folder", "job_file_bounds", "course_hidden", "unprivileged_uid"):  # fmt: skip
        assert key in facts, key
    assert facts["seccomp"] is True  # the zygote took the filter, or the sandbox would not start
    assert facts["unprivileged_uid"] is IS_ROOT


def test_filter_compiles_the_rules_it_names() -> None:
    from grader import jailfilter

    program = jailfilter.compile_filter([2, 1])
    assert len(program) % 8 == 0 and len(program) // 8 > 50
    assert {"ptrace", "keyctl", "bpf", "mount", "setns"} <= set(jailfilter.DENIED)
    for wrong in (0, -5, 1 << 40):  # a pid the filter cannot name would protect nothing
        with pytest.raises(ValueError):
            jailfilter.compile_filter([wrong])


FORK = """
import time
children = []
for i in range(2000):  # far more than the job may have
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
OBS = {"forked": len(children)}
"""


@pytest.mark.parametrize("as_user", MODES)
def test_process_count_is_bounded(as_user: bool, user_ready: str) -> None:
    # as an ordinary user there is no cgroup here: RLIMIT_NPROC in bubblewrap's user namespace
    # must hold on its own (it counts the jail's processes only, not the user's)
    env = {"DLGRADE_LIMIT_PROCESSES": "24"}
    report, _, _ = _run(as_user, user_ready, {"activations.py": sabotage("elu", finish(FORK))}, env=env)
    seen = observed(report, "elu")
    assert seen["forked"] < 24, seen


@pytest.mark.skipif(not IS_ROOT, reason="the ordinary user is created by root")
def test_plain_mode_as_an_ordinary_user_says_what_it_lacks(user_ready: str) -> None:
    if user_ready:
        pytest.skip(user_ready)
    body = finish("""
import importlib
def _imports(name):
    try:
        importlib.import_module(name)
        return "imported"
    except ImportError:
        return "ImportError"
grader = int([line.split()[1] for line in open(f"/proc/{os.getppid()}/status") if line.startswith("PPid")][0])
OBS = {"solutions": _imports("solutions"), "grader": _imports("grader"),
       "grader_mem": _try(lambda: open(f"/proc/{grader}/mem", "r+b").write(b"x"))}
""")
    deep = """
os.chdir(os.environ["HOME"])
depth = 0
for i in range(5000):  # no tmpfs per job here: the chain is removed folder by folder
    os.makedirs("d", exist_ok=True)
    os.chdir("d")
    depth += 1
OBS = {"depth": depth}
"""
    chain = sabotage("relu", finish(deep), sabotage("elu", body))
    files = {"activations.py": chain,
             "initialization.py": (SOLUTIONS / "initialization.py").read_text(encoding="utf-8")}  # fmt: skip
    env = {"DLGRADE_JAIL": "plain", "DLGRADE_CGROUPS": "optional", "DLGRADE_LIMIT_CALL_SECONDS": "20"}
    report, _, seconds = grade(files, topic=None, as_user=True, env=env)
    facts = report["protections"]
    assert facts["jail"] == "plain" and facts["course_hidden"] is False
    assert facts["unprivileged_uid"] is False and facts["job_file_bounds"] is False
    seen = observations(report)
    assert seen["solutions"] == seen["grader"] == "ImportError", seen
    assert seen["grader_mem"] in ("EACCES", "EPERM"), seen
    assert seen["depth"] == 5000, seen  # the chain was made, and removed without a crash
    init = report["topics"]["initialization"]
    assert init["score"] == init["max_score"] > 0
    assert seconds < 150


def test_threads_fork_and_subprocess_still_work() -> None:
    # the filter denies what no exercise needs, not what ordinary Python does
    body = """
import subprocess, threading, multiprocessing.pool
import numpy as np
out = subprocess.run(["/bin/echo", "ok"], capture_output=True, text=True).stdout
assert out == "ok\\n", out
box = []
worker = threading.Thread(target=lambda: box.append(np.tanh(x)))
worker.start()
worker.join()
pid = os.fork()
if pid == 0:
    os._exit(3)
assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 3
with multiprocessing.pool.ThreadPool(2) as pool:
    assert pool.map(abs, [-1, 2]) == [1, 2]
return box[0]
"""
    report, _, _ = grade({"activations.py": sabotage("tanh", body)})
    assert not lost(report), lost(report)
