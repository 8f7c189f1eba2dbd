"""The trusted side of the jail's channel, driven through the real jail: what a submission can
write to the worker's socket (fd 3) or patch in the agent, and what the grader does with it."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grader.proxy import StudentModule, TopicJail
from grader.sandbox import Limits, Sandbox
from grader.suite import InvalidResult, JailFailure

LIMITS = Limits(call_seconds=5.0, load_seconds=5.0)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(LIMITS) as box:
        yield box


def student_of(sandbox: Sandbox, source: str, topic: str = "mod") -> tuple[StudentModule, TopicJail]:
    jail = TopicJail(topic, {f"{topic}.py": source}, sandbox, time.monotonic() + 120)
    return StudentModule(jail), jail


# ----------------------------------------------------------------------------- the rng probe
RNG_USER = """
import random
import numpy as np

def pure(x, rng):
    return x + rng.standard_normal(x.shape)

def draws_global(x):
    return x + np.random.rand(*x.shape)

def seeds_global(x):
    np.random.seed(0)
    return x

def uses_random(x):
    random.random()
    return x
"""


def test_global_rng_digest_sees_global_draws_and_seeds(sandbox: Sandbox) -> None:
    student, jail = student_of(sandbox, RNG_USER)
    try:
        x = np.zeros(3)
        start = student.global_rng_digest()
        assert len(start) == 64 and start == student.global_rng_digest()
        student.pure(x, np.random.default_rng(1))
        assert student.global_rng_digest() == start  # an rng argument leaves the global alone
        for fn in ("draws_global", "seeds_global", "uses_random"):
            before = student.global_rng_digest()
            getattr(student, fn)(x)
            assert student.global_rng_digest() != before, fn
    finally:
        jail.close()


# ----------------------------------------------------------------------------- between calls
SPINNER = """
import threading

def idle(x):
    return x

def start_spinning(x):
    def spin():
        while True:
            pass
    threading.Thread(target=spin, daemon=True).start()
    return x
"""


def _wait(seconds: float) -> float:
    """Wait ``seconds`` here, using no CPU (where a yardstick would be timed)."""
    time.sleep(seconds)
    return seconds


def test_between_calls_charges_a_thread_left_spinning_to_the_student(sandbox: Sandbox) -> None:
    """A timing check times its yardstick here, between calls, and trusts it only if the
    student's code was idle meanwhile: a thread left spinning is seen."""
    student, jail = student_of(sandbox, SPINNER)
    try:
        student.idle(1)
        value, busy = student.between_calls(lambda: _wait(0.2))
        assert value == 0.2 and busy < 0.02  # an idle worker: next to nothing
        student.start_spinning(1)
        _, busy = student.between_calls(lambda: _wait(0.2))
        assert busy > 0.1  # the spinning thread's CPU while the trusted side waited
    finally:
        jail.close()


# ----------------------------------------------------------------------------- inputs given back
WRITERS = """
import numpy as np

def reads(x, y=None):
    return x.sum()

def writes(x, y=None):
    x[0] += 1.0
    return 0.0

def writes_the_same(x, y=None):
    x[...] = x.copy()  # written, but every byte as it was
    return 0.0

def casts(x, y=None):
    x.dtype = np.int64 if x.dtype == np.float64 else np.int32  # the same bytes, other values
    return 0.0

def reshapes(x, y=None):
    x.shape = (x.size,)
    return 0.0
"""


def test_an_argument_that_holds_its_bytes_comes_back_as_a_mark_any_other_as_its_state(sandbox: Sandbox) -> None:
    """The reply gives back None for an array that holds the very bytes it was sent, and the
    post-call state of any other (written, cast, reshaped, or sent as a strided view); the
    suite's array then changes exactly when the function's did."""
    student, jail = student_of(sandbox, WRITERS)
    try:
        x = np.arange(6.0).reshape(2, 3)
        for fn, held in (("reads", True), ("writes", False), ("writes_the_same", True), ("casts", False),
                         ("reshapes", False)):  # fmt: skip
            reply = jail.request({"op": "call", "fn": fn, "args": [x.copy()], "kwargs": {"y": x.T}})
            assert (reply["inputs"][0] is None) == held, fn
            assert reply["inputs"]["y"] is not None, fn  # a view: not checked in the jail, given back
            sent = x.copy()
            getattr(student, fn)(sent)
            assert np.array_equal(sent, x) == (fn in ("reads", "writes_the_same")), fn
    finally:
        jail.close()


# ----------------------------------------------------------------------------- hostile replies
ATTACKS = r'''
import os, sys, threading, time
import msgpack
import numpy as np
import agent
import wire


def honest(x):
    return x * 2


def _request():
    """The request the agent is answering, found in its frame: the student can read it."""
    frame = sys._getframe()
    while frame is not None:
        request = frame.f_locals.get("request")
        if isinstance(request, dict) and "id" in request:
            return request
        frame = frame.f_back
    raise LookupError


def _send(payload):
    os.write(3, len(payload).to_bytes(4, "big") + payload)


def raw_bytes_from_a_thread(x):
    # a frame of noise: its length is honest (random length bytes would, one time in a few
    # dozen, announce a frame the grader waits for until the call's time is up)
    thread = threading.Thread(target=lambda: os.write(3, (4092).to_bytes(4, "big") + os.urandom(4092)))
    thread.start()
    thread.join()
    return x * 2


def nested_maps_250mb(x):
    os.write(3, (250 << 20).to_bytes(4, "big"))
    try:
        for _ in range(250):
            os.write(3, b"\x81\xa1k" * (1 << 18))
    except OSError:
        pass
    time.sleep(30)


def nested_maps_31mb(x):
    unit = b"\x8f" + b"\xa1k\x80" * 15
    _send(b"\xdc\xff\xff" + unit * ((31 << 20) // len(unit)))
    time.sleep(30)


def warning_not_a_string(x):
    agent._warning_texts = lambda caught: [42]
    return x * 2


def bytes_disagree_with_shape(x):
    wire._array_parts = lambda a: (["<f8", [10]], memoryview(b"\0" * 8), [])
    return x * 2


def shape_overflows_int64(x):
    wire._array_parts = lambda a: (["<f8", [2**61, 8]], memoryview(b""), [])
    return x * 2


def reply_to_another_request(x):
    _send(wire.encode({"result": x * 2, "inputs": {0: x}, "rngs": {}, "warnings": [],
                       "id": "0" * 32}))
    time.sleep(30)


def one_extra_forged_reply(x):
    _send(wire.encode({"result": np.zeros_like(x), "inputs": {0: x}, "rngs": {}, "warnings": [],
                       "id": _request()["id"]}))
    return x * 2


def forged_reply_with_a_wrong_field(x):
    _send(wire.encode({"result": x * 2, "inputs": {0: x}, "rngs": {}, "warnings": [],
                       "extra": 1, "id": _request()["id"]}))
    time.sleep(30)


def forged_reply_missing_the_inputs(x):
    _send(wire.encode({"result": x * 2, "rngs": {}, "warnings": [], "id": _request()["id"]}))
    time.sleep(30)


def inputs_of_another_argument(x):
    _send(wire.encode({"result": x * 2, "inputs": {"y": x}, "rngs": {}, "warnings": [],
                       "id": _request()["id"]}))
    time.sleep(30)


def a_list_of_a_million_numbers(x):
    return [0.5] * 1_000_000
'''

HOSTILE = [
    "raw_bytes_from_a_thread", "nested_maps_250mb", "nested_maps_31mb", "warning_not_a_string",
    "bytes_disagree_with_shape", "shape_overflows_int64", "reply_to_another_request",
    "forged_reply_with_a_wrong_field", "forged_reply_missing_the_inputs",
    "inputs_of_another_argument",
]  # fmt: skip


def _peak_kib_since_reset() -> tuple[int, int]:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # the peak (VmHWM) restarts from what is resident now
    return _status("VmRSS"), 0


def _status(field: str) -> int:
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith(field + ":"))


@pytest.fixture
def attacks(sandbox: Sandbox) -> Iterator[tuple[StudentModule, TopicJail]]:
    student, jail = student_of(sandbox, ATTACKS)
    yield student, jail
    jail.close()


@pytest.mark.parametrize("attack", HOSTILE)
def test_a_hostile_reply_costs_its_call_and_nothing_else(attacks, attack: str) -> None:
    """Each attack is scored as an error of its own call ("broke the protocol"), never a crash
    of the grader; the honest function of the same module then runs in a fresh worker with the
    right result, and the grader's memory grew by far less than the attack's bytes."""
    student, jail = attacks
    x = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(student.honest(x), 2 * x)
    base, _ = _peak_kib_since_reset()
    with pytest.raises(JailFailure) as failure:
        getattr(student, attack)(x)
    grew_mb = (_status("VmHWM") - base) // 1024
    message = failure.value.message
    assert "broke the jail's protocol" in message.en, message.en
    assert "нарушила протокол песочницы" in message.ru, message.ru
    assert grew_mb < 80, f"the grader grew by {grew_mb} MB decoding {attack}"
    assert np.array_equal(student.honest(x), 2 * x)  # a fresh worker, the right answer
    assert np.array_equal(x, np.arange(6.0).reshape(2, 3))


def test_an_extra_forged_reply_is_never_taken_for_a_later_call(attacks) -> None:
    """A second reply (here a forged one with the current id, then the agent's own) is either
    the broken call's error or its answer, and is never read as the answer to the next call."""
    student, jail = attacks
    x = np.arange(6.0)
    try:
        student.one_extra_forged_reply(x)
    except JailFailure as failure:
        assert "protocol" in failure.message.en
    # under load the agent's own late reply may arrive during the next call: that call then fails
    # closed (a protocol break, a fresh job after it), but a reply is never taken for its answer
    answers = []
    for _ in range(3):
        try:
            answers.append(student.honest(x))
        except JailFailure as failure:
            assert "protocol" in failure.message.en and not answers, failure.message.en
    assert answers and all(np.array_equal(answer, 2 * x) for answer in answers)


def test_a_result_too_big_to_cross_is_an_invalid_result_not_a_break(attacks) -> None:
    student, jail = attacks
    with pytest.raises(InvalidResult):
        student.a_list_of_a_million_numbers(np.zeros(2))
    assert np.array_equal(student.honest(np.ones(2)), np.full(2, 2.0))


# ----------------------------------------------------------------------------- through the CLI
ROOT = Path(__file__).resolve().parent.parent
FAST = {"DLGRADE_LIMIT_CALL_SECONDS": "5", "DLGRADE_LIMIT_LOAD_SECONDS": "5"}
_DRIVER = """
import atexit, sys
def peak():
    with open("/proc/self/status") as f:
        kib = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    print(f"[peak {kib}]", file=sys.stderr)
atexit.register(peak)
sys.argv = ["dlgrade", *sys.argv[1:]]
from grader.cli import main
main()
"""


def solution(topic: str) -> str:
    return (ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")


def replaced(source: str, fn: str, new: str) -> str:
    """``source`` with a new definition of ``fn`` appended (it wins at import)."""
    assert re.search(rf"^def {fn}\(", source, flags=re.M), fn
    return source + "\n\n" + textwrap.dedent(new).strip() + "\n"


def grade(tmp_path: Path, topic: str, source: str, *extra: str) -> tuple[dict, str, int]:
    """The report, everything printed, and the grader's peak resident memory in MB."""
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    (folder / f"{topic}.py").write_text(source, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, "grade", str(folder), "--topic", topic, "--format", "json",
         "--lang", "en", *extra],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env={**os.environ, **FAST},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    peak = int(re.findall(r"\[peak (\d+)\]", done.stderr)[-1]) // 1024
    return json.loads(done.stdout), done.stdout + done.stderr, peak


def lost(report: dict, topic: str) -> dict[str, dict]:
    return {t["name"]: t for t in report["topics"][topic]["tests"] if t["points"] < t["max_points"]}


HIDE_A_WRITE = {
    "patched comparison": """
        import agent
        agent._same = lambda *args: True  # the agent's old in-jail verdict
        def relu(x):
            out = np.maximum(x, 0.0)
            x[...] = 0.0
            return out
    """,
    "dropped inputs": """
        import agent
        _op_call = agent.Worker.op_call
        def _hiding(self, request):
            reply = _op_call(self, request)
            if request.get("fn") == "relu":
                reply.pop("inputs", None)
                reply.pop("mutated", None)
            return reply
        agent.Worker.op_call = _hiding
        def relu(x):
            out = np.maximum(x, 0.0)
            x[...] = 0.0
            return out
    """,
    "patched arrival check": """
        import agent, wire
        agent.arrival_probe = lambda: (lambda arrived, value: True)  # bound before this import
        wire.Sent.__eq__ = lambda self, other: True
        try:
            np.ndarray.tobytes = lambda self: b""  # a C type's method: refused
        except TypeError:
            pass
        def relu(x):
            out = np.maximum(x, 0.0)
            x[...] = 0.0
            return out
    """,
    "emptied inputs": """
        import agent
        _op_call = agent.Worker.op_call
        def _hiding(self, request):
            reply = _op_call(self, request)
            if request.get("fn") == "relu":
                reply["inputs"] = {}
                reply["mutated"] = {}
            return reply
        agent.Worker.op_call = _hiding
        def relu(x):
            out = np.maximum(x, 0.0)
            x[...] = 0.0
            return out
    """,
}


@pytest.mark.parametrize("how", sorted(HIDE_A_WRITE))
def test_a_patched_agent_cannot_hide_a_write_into_the_input(tmp_path: Path, how: str) -> None:
    """The trusted side decides "modified its input" from the post-call state of the arrays,
    never from a verdict of the jail: patching the agent's comparison changes nothing, and a
    reply without the arguments' state is a broken protocol. Either way the points go."""
    source = replaced(solution("activations"), "relu", HIDE_A_WRITE[how])
    report, _, _ = grade(tmp_path, "activations", source)
    names = lost(report, "activations")
    assert "input_not_modified[relu]" in names, sorted(names)
    assert all("relu" in name and "relu_grad" not in name and "leaky" not in name
               for name in names), sorted(names)  # fmt: skip


def test_zeros_for_large_inputs_fail_the_vectorization_test(tmp_path: Path) -> None:
    source = replaced(solution("activations"), "relu", """
        def relu(x):
            x = np.asarray(x)
            if x.size > 10_000:
                return np.zeros_like(x)  # fast, and wrong
            return np.maximum(x, 0.0)
    """)  # fmt: skip
    report, _, _ = grade(tmp_path, "activations", source)
    assert sorted(lost(report, "activations")) == ["vectorized[relu]"]


def test_a_cached_answer_for_large_inputs_fails_the_vectorization_test(tmp_path: Path) -> None:
    source = replaced(solution("activations"), "relu", """
        _cache = {}
        def relu(x):
            x = np.asarray(x)
            if x.size > 10_000:
                key = x.shape
                if key not in _cache:  # the slow loop once, then the stored answer
                    _cache[key] = np.array([v if v > 0 else 0.0 for v in x.ravel().tolist()],
                                           dtype=x.dtype).reshape(x.shape)
                return _cache[key].copy()
            return np.maximum(x, 0.0)
    """)  # fmt: skip
    report, _, _ = grade(tmp_path, "activations", source)
    assert sorted(lost(report, "activations")) == ["vectorized[relu]"]


def test_printing_every_input_shows_none_of_them(tmp_path: Path) -> None:
    """A correct submission that prints what it receives keeps full marks, and the report
    shows what it printed at import and none of the hidden inputs (checked against the
    actual input of one hidden test, rebuilt from the seed)."""
    source = solution("activations").replace("import numpy as np", textwrap.dedent("""
        import builtins
        import numpy as np
        print("printed at import")
        def _show(fn):
            def shown(*args, **kwargs):
                for a in args:  # all of a small input; of a large one (timed), its head
                    values = np.asarray(a).ravel()[:1000].tolist()
                    builtins.print("INPUT", getattr(a, "shape", None), repr(a), values)
                return fn(*args, **kwargs)
            return shown
    """), 1)  # fmt: skip
    source += "\n" + "\n".join(f"{fn} = _show({fn})" for fn in ("relu", "sigmoid", "elu", "tanh"))
    report, everything, _ = grade(tmp_path, "activations", source, "--seed", "1234")
    topic = report["topics"]["activations"]
    assert topic["score"] == topic["max_score"]
    assert "printed at import" in topic["output"]
    assert "INPUT" not in everything
    assert "not shown" in topic["output"]
    # the input of test_input_not_modified[relu], as the suite built it with this seed
    from grader.runner import seed_for

    spec = importlib.util.spec_from_file_location(
        "hidden_activations", ROOT / "course" / "activations" / "hidden" / "test_activations.py"
    )
    hidden = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hidden)
    x = hidden.values(np.random.default_rng(seed_for(1234, "test_input_not_modified[relu]")), (6, 7))
    for value in x.ravel()[:10]:
        for form in (repr(float(value)), f"{value:.8f}", np.array2string(np.array([value]))[1:-1]):
            assert form not in everything, form


NAMEDTUPLES = {
    "batchnorm": (
        "batchnorm_forward",
        """
        import collections
        _Forward = collections.namedtuple("_Forward", "out cache")
        _reference_forward = batchnorm_forward
        def batchnorm_forward(x, gamma, beta, eps=1e-5):
            out, cache = _reference_forward(x, gamma, beta, eps)
            return _Forward(out, cache)
    """,
    ),
    "matrix_ops": (
        "linear_forward",
        """
        import collections
        class _Pair(tuple):
            pass
        _Cache = collections.namedtuple("_Cache", "x W b")
        _reference_forward = linear_forward
        def linear_forward(x, W, b):
            out, cache = _reference_forward(x, W, b)
            return _Pair((out, _Cache(*cache) if isinstance(cache, tuple) and len(cache) == 3 else cache))
    """,
    ),
}


@pytest.mark.parametrize("topic", sorted(NAMEDTUPLES))
def test_a_namedtuple_is_a_tuple(tmp_path: Path, topic: str) -> None:
    fn, body = NAMEDTUPLES[topic]
    report, _, _ = grade(tmp_path, topic, replaced(solution(topic), fn, body))
    result = report["topics"][topic]
    assert result["score"] == result["max_score"], {n: t["message"] for n, t in lost(report, topic).items()}


def test_expected_a_tuple_names_what_came(tmp_path: Path) -> None:
    source = replaced(solution("matrix_ops"), "linear_forward", """
        def linear_forward(x, W, b):
            return x @ W + b  # the cache forgotten
    """)  # fmt: skip
    report, _, _ = grade(tmp_path, "matrix_ops", source)
    messages = [t["message"] for t in lost(report, "matrix_ops").values()]
    assert messages and any("expected a tuple (out, cache), got an array of shape (" in m for m in messages), messages


COMBINED = {
    "relu": """
        def relu(x):  # claims a 250 MB reply of nested maps
            import os, time
            os.write(3, (250 << 20).to_bytes(4, "big"))
            try:
                for _ in range(250):
                    os.write(3, b"\\x81\\xa1k" * (1 << 18))
            except OSError:
                pass
            time.sleep(30)
    """,
    "tanh": """
        def tanh(x):  # raw bytes into the channel from a thread
            import os, threading
            # a frame of noise with an honest length (see raw_bytes_from_a_thread)
            thread = threading.Thread(target=lambda: os.write(3, (4092).to_bytes(4, "big") + os.urandom(4092)))
            thread.start()
            thread.join()
            return np.tanh(x)
    """,
    "elu": """
        def elu(x, alpha=1.0):  # a warning that is not a string
            import agent
            agent._warning_texts = lambda caught: [42]
            return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    """,
    "sigmoid": """
        def sigmoid(x):  # the result's bytes disagree with its shape
            import msgpack, wire
            wire._array_parts = lambda a: (["<f8", [2**61, 8]], memoryview(b""), [])
            return 0.5 * (1 + np.tanh(0.5 * x))
    """,
    "leaky_relu": """
        def leaky_relu(x, slope=0.01):  # an extra forged reply with the request's id
            import os, sys, wire
            frame = sys._getframe()
            while "request" not in frame.f_locals:
                frame = frame.f_back
            forged = wire.encode({"result": np.zeros_like(x), "inputs": {0: x}, "rngs": {},
                                  "warnings": [], "id": frame.f_locals["request"]["id"]})
            os.write(3, len(forged).to_bytes(4, "big") + forged)
            return np.where(x > 0, x, slope * x)
    """,
}


def test_hostile_functions_cost_only_their_own_tests(tmp_path: Path) -> None:
    """Five functions of one module break the protocol five ways; the grader does not crash,
    only their tests lose points (the derivatives, which are honest, keep all of theirs), and
    its own peak memory stays near that of grading the reference."""
    source = solution("activations")
    for fn, body in COMBINED.items():
        source = replaced(source, fn, body)
    report, _, peak = grade(tmp_path, "activations", source)
    _, _, reference_peak = grade(tmp_path, "activations", solution("activations"))
    names = lost(report, "activations")
    suspects = [fn for fn in COMBINED if fn != "leaky_relu"]  # leaky_relu's forgery may win
    for fn in suspects:
        assert any(name == fn or name.startswith(fn + "_") or name.endswith(f"[{fn}]")
                   and not name.endswith("_grad]") for name in names), (fn, sorted(names))  # fmt: skip
    assert not [name for name in names if "_grad" in name], sorted(names)
    assert peak < reference_peak + 100, (peak, reference_peak)


def test_bytes_left_in_the_channel_when_the_topic_ends(sandbox: Sandbox) -> None:
    """A thread that keeps writing to the channel after its call returned: the next call gets
    a fresh worker, and closing the topic kills the writer instead of failing."""
    student, jail = student_of(
        sandbox,
        ATTACKS
        + """
def keeps_writing(x):
    def write():
        time.sleep(0.05)  # after the reply
        while True:
            os.write(3, b"\\x00" * 1024)
            time.sleep(0.01)
    threading.Thread(target=write, daemon=True).start()
    return x * 2
""",
    )
    x = np.arange(3.0)
    assert np.array_equal(student.keeps_writing(x), 2 * x)
    time.sleep(0.2)
    assert np.array_equal(student.honest(x), 2 * x)  # a fresh worker
    assert len(jail.crashes) == 1
    assert np.array_equal(student.keeps_writing(x), 2 * x)
    time.sleep(0.2)
    jail.close()  # no exception: the worker is killed
    assert jail.job is None


# ----------------------------------------------------------------------------- the arena
ARENA_USER = """
import os
import numpy as np

def what_is_fd_4():
    return os.readlink("/proc/self/fd/4")

def twice(x):
    return x * 2
"""


def test_large_arrays_cross_in_the_jobs_sealed_arena(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker has the job's arena as fd 4 (a memfd), and 2.4 MB each way cross there: the
    socket carries the messages' few hundred bytes only (a machine without memfd would still
    grade, through the socket, but slower: this says which one ran)."""
    from grader.jail import wire

    student, jail = student_of(sandbox, ARENA_USER)
    try:
        assert student.what_is_fd_4().startswith("/memfd:dlgrade-arena")
        received: list[int] = []
        recv = wire.recv
        monkeypatch.setattr(wire, "recv", lambda *a, **k: received.append(len(data := recv(*a, **k))) or data)
        x = np.arange(300_000, dtype=np.float64)
        assert np.array_equal(student.twice(x), 2 * x)
        assert received and max(received) < 4096
        assert jail.job is not None and jail.job.arena is not None
    finally:
        jail.close()
    assert jail.job is None
