"""Submissions that attack the grader, each graded through the real CLI (`dlgrade grade
--format json`) in a subprocess, as an instructor would run it.

Every attack is the reference solution with one function (or the import) sabotaged, so "the
grade is what the honest part earns" is exact: the tests that lose points are those of the
sabotaged function, and no others. Besides the grade, each test checks that the grader returned
on its own, that standard output is exactly one JSON report, that nothing outside the jail
changed, and that no hidden test text reached the output.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "activations.py").read_text(encoding="utf-8")
HIDDEN = ROOT / "course" / "activations" / "hidden" / "test_activations.py"
FAST_LIMITS = {"DLGRADE_LIMIT_CALL_SECONDS": "3", "DLGRADE_LIMIT_LOAD_SECONDS": "3"}
CANARY = "canary-5e1f0d9c-secret"

pytestmark = pytest.mark.skipif(not HIDDEN.exists(), reason="the activations suite is not written yet")


def _hidden_code_lines() -> list[str]:
    """Distinctive lines of the hidden suite's code; none may appear in any output."""
    lines = [line.strip() for line in HIDDEN.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if len(line) > 25 and not line.startswith(('"""', "ru:", "#"))
            and "ru:" not in line and not line.endswith('"""')][:40]  # fmt: skip


def sabotage(fn: str, body: str) -> str:
    """The reference with ``fn`` replaced by a function of the same signature running ``body``."""
    match = re.search(rf"^def {fn}\((.*?)\):", SOLUTION, flags=re.M)
    assert match, fn
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    return SOLUTION + f"\n\ndef {fn}({match.group(1)}):\n{indented}\n"


def grade(tmp_path: Path, files: dict[str, str], *, topic: str | None = "activations",
          env: dict[str, str] | None = None, timeout: float = 120) -> tuple[dict, str, float]:  # fmt: skip
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "grader.cli", "grade", str(folder), "--format", "json",
               "--lang", "en"]  # fmt: skip
    if topic:
        command += ["--topic", topic]
    started = time.monotonic()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env={**os.environ, **FAST_LIMITS, **(env or {})},
    )  # fmt: skip
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)  # exactly one JSON object, nothing else
    everything = done.stdout + done.stderr
    for line in _hidden_code_lines():
        assert line not in everything, f"hidden test code reached the output: {line!r}"
    return report, everything, seconds


def lost(report: dict, topic: str = "activations") -> dict[str, dict]:
    return {t["name"]: t for t in report["topics"][topic]["tests"] if t["points"] < t["max_points"]}


FUNCTIONS = ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu",
             "leaky_relu_grad", "elu", "elu_grad")  # fmt: skip


def function_of(test_name: str) -> str:
    """The function a hidden test is about: its parameter (``vectorized[elu]``), else the
    longest function name the test's name starts with (``relu_grad_at_zero``: relu_grad)."""
    if "[" in test_name:
        return test_name[test_name.index("[") + 1 : -1]
    starts = [fn for fn in FUNCTIONS if test_name == fn or test_name.startswith(fn + "_")]
    return max(starts, key=len) if starts else ""


def only_function_lost(report: dict, fn: str) -> None:
    """Points were lost, and only on the tests of ``fn``."""
    names = lost(report)
    assert names, "the sabotaged function lost nothing"
    others = [name for name in names if function_of(name) != fn]
    assert not others, f"tests of other functions lost points: {others}"


def test_reference_scores_full(tmp_path: Path) -> None:
    report, _, _ = grade(tmp_path, {"activations.py": SOLUTION})
    assert report["score"] == report["max_score"] > 0


def test_infinite_loop_at_import_costs_only_its_topic(tmp_path: Path) -> None:
    other = (ROOT / "solutions" / "initialization.py").read_text(encoding="utf-8")
    report, _, seconds = grade(
        tmp_path, {"activations.py": "while True:\n    pass\n" + SOLUTION, "initialization.py": other},
        topic=None,
    )  # fmt: skip
    act, init = report["topics"]["activations"], report["topics"]["initialization"]
    assert act["score"] == 0 and act["status"] == "not_gradable"
    assert "import" in act["message"]
    assert init["score"] == init["max_score"] > 0
    assert seconds < 60


def test_infinite_loop_in_one_function(tmp_path: Path) -> None:
    report, _, _ = grade(tmp_path, {"activations.py": sabotage("tanh", "while True:\n    pass")})
    only_function_lost(report, "tanh")
    timeouts = [t for t in lost(report).values() if t["outcome"] == "error"]
    assert timeouts and all("within" in t["message"] for t in timeouts)


def test_hang_that_ignores_sigterm(tmp_path: Path) -> None:
    body = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.01)"
    report, _, _ = grade(tmp_path, {"activations.py": sabotage("sigmoid", body)})
    only_function_lost(report, "sigmoid")


def test_twenty_gigabyte_allocation(tmp_path: Path) -> None:
    body = "import numpy as np\nblock = np.ones(int(20e9 // 8))\nreturn block[: x.size].reshape(x.shape)"
    report, _, _ = grade(tmp_path, {"activations.py": sabotage("relu", body)})
    only_function_lost(report, "relu")
    assert any("MemoryError" in t["message"] for t in lost(report).values())


def test_detached_children_do_not_survive(tmp_path: Path) -> None:
    marker = "987654.321"
    body = f"""
import os
for _ in range(3):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", "{marker}"])
        os._exit(0)
return x * (x > 0)
"""
    grade(tmp_path, {"activations.py": sabotage("relu", body)})
    time.sleep(0.5)
    survivors = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True, text=True)
    assert survivors.stdout.strip() == "", f"processes survived the jail: {survivors.stdout}"


@pytest.mark.parametrize("exit_call", ["os._exit(0)", "sys.exit(0)"])
def test_exiting_in_a_function_costs_only_that_function(tmp_path: Path, exit_call: str) -> None:
    report, _, _ = grade(tmp_path, {"activations.py": sabotage("elu", f"import os, sys\n{exit_call}")})
    only_function_lost(report, "elu")


def test_exiting_at_import_costs_the_topic(tmp_path: Path) -> None:
    report, _, _ = grade(tmp_path, {"activations.py": "import os\nos._exit(0)\n" + SOLUTION})
    assert report["topics"]["activations"]["score"] == 0
    assert report["topics"]["activations"]["status"] == "not_gradable"


def test_monkeypatching_numpy_checks_gains_nothing(tmp_path: Path) -> None:
    patch = (
        "import numpy, numpy.testing\n"
        "numpy.testing.assert_allclose = lambda *a, **k: None\n"
        "numpy.allclose = lambda *a, **k: True\nnumpy.array_equal = lambda *a, **k: True\n"
        "numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), bool)\n"
    )
    report, _, _ = grade(tmp_path, {"activations.py": patch + sabotage("elu", "return x")})
    only_function_lost(report, "elu")


def test_forged_results_and_fake_json_are_ignored(tmp_path: Path) -> None:
    fake = json.dumps({"schema_version": 1, "score": 999.0, "max_score": 999.0, "topics": {}})
    attack = (
        "import os, sys\n"
        f"print({fake!r})\nsys.stdout.flush()\n"
        f"os.write(1, {fake!r}.encode())\n"
        "for where in ('results.json', '../results.json', '/tmp/results.json', '/work/results.json'):\n"
        "    try:\n"
        f"        open(where, 'w').write({fake!r})\n"
        "    except OSError:\n"
        "        pass\n"
    )
    report, _, _ = grade(tmp_path, {"activations.py": attack + sabotage("elu", "return x")})
    assert report["score"] < report["max_score"]
    only_function_lost(report, "elu")
    assert not (tmp_path / "results.json").exists()


def test_hunting_for_hidden_tests_finds_nothing(tmp_path: Path) -> None:
    attack = """
try:
    from solutions.activations import elu as elu_reference
    STOLEN = True
except ImportError:
    STOLEN = False


def hunt():
    import os
    found = []
    for top in ("/work", "/opt", "/root", "/tmp", "/proc/1/root/work", "/proc/1/cwd"):
        for folder, dirs, files in os.walk(top):
            for name in files:
                if name.endswith(".py") and len(found) < 200:
                    try:
                        found.append(open(os.path.join(folder, name)).read())
                    except OSError:
                        pass
    return found
"""
    body = (
        "found = hunt()\nprint('\\n'.join(found)[:100000])\n"
        "if STOLEN:\n    return elu_reference(x, alpha)\n"
        "raise RuntimeError('\\n'.join(found)[:5000])"
    )
    report, output, _ = grade(tmp_path, {"activations.py": attack + sabotage("elu", body)})
    only_function_lost(report, "elu")
    assert "checks.close" not in output and "def test_" not in output


def test_ndarray_subclass_that_lies_gains_nothing(tmp_path: Path) -> None:
    liar = """
import numpy as np
class Liar(np.ndarray):
    def __eq__(self, other): return np.ones(self.shape, bool).view(np.ndarray)
    def __ne__(self, other): return np.zeros(self.shape, bool).view(np.ndarray)
    def __sub__(self, other): return np.zeros(self.shape).view(np.ndarray)
    def __rsub__(self, other): return np.zeros(self.shape).view(np.ndarray)
    def __array_ufunc__(self, *a, **k): return np.zeros(self.shape).view(np.ndarray)
    def tobytes(self, *a, **k): return np.tanh(np.asarray(self)).tobytes()
"""
    report, _, _ = grade(tmp_path, {"activations.py": liar + sabotage("tanh", "return np.zeros(np.shape(x)).view(Liar)")})
    only_function_lost(report, "tanh")


def test_result_whose_unpickling_runs_code_is_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = f"""
import os
class Evil:
    def __reduce__(self):
        return (os.system, ("touch {marker}",))
"""
    report, _, _ = grade(tmp_path, {"activations.py": evil + sabotage("relu", "return Evil()")})
    only_function_lost(report, "relu")
    assert not marker.exists()


def test_printing_200_megabytes(tmp_path: Path) -> None:
    # the first call floods; later ones (the vectorization test among them) are honest relu
    body = (
        "import sys\nif not FLOODED:\n    FLOODED.append(1)\n"
        "    sys.stdout.write('x' * 200_000_000)\n    sys.stdout.flush()\nreturn x * (x > 0)"
    )
    report, output, seconds = grade(tmp_path, {"activations.py": "FLOODED = []\n" + sabotage("relu", body)})
    assert report["score"] == report["max_score"]  # printing costs nothing but time
    assert len(output) < 2_000_000
    assert "bytes printed during the tests are not shown" in report["topics"]["activations"]["output"]


def test_no_network_even_to_localhost(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    attack = f"""
import socket
try:
    s = socket.create_connection(("127.0.0.1", {port}), timeout=1)
    s.sendall(b"leak")
except OSError:
    pass
"""
    report, _, _ = grade(tmp_path, {"activations.py": attack + SOLUTION})
    assert report["score"] == report["max_score"]
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


def test_cannot_write_outside_the_jail(tmp_path: Path) -> None:
    import numpy

    targets = [Path(numpy.__file__).parent / "evil_dlgrade.py", ROOT / "course" / "evil_dlgrade.py",
               ROOT / "solutions" / "evil_dlgrade.py", Path(sys.prefix) / "evil_dlgrade.py"]  # fmt: skip
    where = [str(t) for t in targets]
    attack = (f"import os\nimport numpy\nfor where in {where!r} + [os.path.join(os.path.dirname(numpy.__file__), 'evil2.py')]:\n"
              "    try:\n        open(where, 'w').write('owned')\n    except OSError:\n        pass\n")  # fmt: skip
    report, _, _ = grade(tmp_path, {"activations.py": attack + SOLUTION})
    assert report["score"] == report["max_score"]
    for target in targets + [Path(numpy.__file__).parent / "evil2.py"]:
        assert not target.exists(), f"the jail wrote {target}"


def test_shipped_conftest_numpy_and_sitecustomize_change_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "hooked"
    hook = f"open({str(marker)!r}, 'w').write('ran')\n"
    files = {
        "activations.py": sabotage("elu", "return x"),
        "conftest.py": hook + "import pytest\n@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n    out = yield\n    out.get_result().outcome = 'passed'\n",
        "numpy.py": hook + "def allclose(*a, **k):\n    return True\n",
        "sitecustomize.py": hook,
        "usercustomize.py": hook,
    }
    report, _, _ = grade(tmp_path, files)
    only_function_lost(report, "elu")
    assert not marker.exists()


def test_secrets_of_the_grader_do_not_reach_the_jail(tmp_path: Path) -> None:
    attack = """
import os
seen = [repr(dict(os.environ))]
for pid in os.listdir("/proc"):
    if pid.isdigit():
        for part in ("environ", "cmdline"):
            try:
                seen.append(open(f"/proc/{pid}/{part}", "rb").read().decode("latin-1"))
            except OSError:
                pass
print("\\n".join(seen))
LEAK = "\\n".join(seen)
"""
    body = "raise RuntimeError(LEAK[-250:])"
    report, output, _ = grade(tmp_path, {"activations.py": attack + sabotage("elu", body)},
                              env={"DLGRADE_CANARY": CANARY, "GITHUB_TOKEN": CANARY})  # fmt: skip
    only_function_lost(report, "elu")
    assert CANARY not in output
    assert CANARY not in json.dumps(report)


def test_writing_to_every_open_descriptor_reaches_nothing_of_the_grader(tmp_path: Path) -> None:
    fake = json.dumps({"schema_version": 1, "score": 999.0, "max_score": 999.0, "topics": {}})
    attack = f"""
import os
for fd in range(0, 64):
    try:
        os.write(fd, {fake!r}.encode())
    except OSError:
        pass
"""
    report, _, _ = grade(tmp_path, {"activations.py": sabotage("relu", attack + "return x * (x > 0)")})
    assert report["score"] < report["max_score"]  # the garbled channel cost relu, nothing more
    only_function_lost(report, "relu")
