"""The ``dlgrade`` command as tools outside the project use it (spec/report-format.md): exit
codes, one ``error:`` line for usage and configuration errors, exactly one JSON object on
standard output, seeds, languages, and how broken modules are reported.

Every test runs ``python -m grader.cli`` in a subprocess from the repository root, with short
jail limits so that a hang costs seconds."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.submission import TOPICS

ROOT = Path(__file__).resolve().parent.parent
FAST_LIMITS = {"DLGRADE_LIMIT_CALL_SECONDS": "3", "DLGRADE_LIMIT_LOAD_SECONDS": "3"}
CYRILLIC = re.compile("[а-яА-ЯёЁ]")
TIMING_KEYS = {"seconds", "resources"}  # measurements (time, peak memory): the only fields that may differ between runs


def env(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DLGRADE_")}
    return clean | FAST_LIMITS | extra


def dlgrade(*args: str, timeout: float = 300, **extra_env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *map(str, args)],
        capture_output=True, text=True, cwd=ROOT, env=env(**extra_env), timeout=timeout,
    )  # fmt: skip


def grade_json(*args: str, **extra_env: str) -> dict:
    done = dlgrade("grade", *args, "--format", "json", **extra_env)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-3000:]}"
    text = done.stdout.strip()
    assert text.startswith("{") and text.endswith("}"), f"stdout is not one JSON object: {text[:300]!r}"
    return json.loads(done.stdout)  # raises on anything beside the one object


def assert_usage_error(done: subprocess.CompletedProcess, *needles: str) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, f"exit {done.returncode}, stderr: {done.stderr[-1500:]}"
    assert len(lines) == 1 and lines[0].startswith("error: "), (
        f"expected one 'error: …' line on stderr, got {len(lines)} line(s): {done.stderr!r}"
    )
    assert done.stdout == "", f"stdout must stay empty: {done.stdout[:300]!r}"
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    return lines[0]


def has_suite(topic: str) -> bool:
    return (ROOT / "course" / topic / "hidden" / f"test_{topic}.py").is_file()


def solution_text(topic: str) -> str:
    return (ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")


def without_timing(value):
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def measured_alike(report: dict) -> dict:
    """A report without its measurements, and with the numbers of its messages masked: a timed
    verdict's message quotes the CPU seconds it measured, which differ between runs."""

    def mask(value):
        if isinstance(value, dict):
            return {k: re.sub(r"\d[\d.]*", "#", v) if k == "message" else mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        return value

    return mask(without_timing(report))


def all_texts(report: dict) -> list[str]:
    texts = []
    for topic in report["topics"].values():
        texts.append(topic["message"])
        for test in topic["tests"]:
            texts += [test["title"], test["message"], *test["hints"]]
    return [text for text in texts if text]


# ----------------------------------------------------------------------------- submissions
@pytest.fixture(scope="module")
def reference_folder(tmp_path_factory) -> Path:
    """The references of every topic, as a student's exercises/ folder."""
    folder = tmp_path_factory.mktemp("reference") / "work"
    (folder / "exercises").mkdir(parents=True)
    for topic in TOPICS:
        if (ROOT / "solutions" / f"{topic}.py").exists():
            (folder / "exercises" / f"{topic}.py").write_text(solution_text(topic), encoding="utf-8")
    return folder


ELU_BUG = """

def elu(x, alpha=1.0):
    # forgets the -1: alpha * e^x for x <= 0
    x = np.asarray(x)
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0)))
"""


@pytest.fixture(scope="module")
def buggy_activations(tmp_path_factory) -> Path:
    if not has_suite("activations"):
        pytest.skip("no hidden suite for activations yet")
    path = tmp_path_factory.mktemp("buggy") / "my_activations.py"
    path.write_text(solution_text("activations") + ELU_BUG, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def full_report(reference_folder) -> dict:
    return grade_json(reference_folder, "--lang", "en")


BROKEN = {"syntax": "activations", "missing": "initialization", "signature": "batchnorm"}
MISSING_FN = "he_normal"


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory) -> tuple[dict, int]:
    """One submission with a syntax error in one topic, a missing function in another, a renamed
    parameter in a third, and the remaining topics correct (matrix_ops left out: missing)."""
    for topic in BROKEN.values():
        if not has_suite(topic):
            pytest.skip(f"no hidden suite for {topic} yet")
    folder = tmp_path_factory.mktemp("broken") / "work"
    (folder / "exercises").mkdir(parents=True)
    for topic in TOPICS:
        if topic != "matrix_ops" and (ROOT / "solutions" / f"{topic}.py").exists():
            (folder / "exercises" / f"{topic}.py").write_text(solution_text(topic), encoding="utf-8")
    syntax = solution_text("activations").rstrip("\n") + "\n\n\ndef broken(x:\n    return x\n"
    bad_line = syntax.splitlines().index("def broken(x:") + 1
    (folder / "exercises" / "activations.py").write_text(syntax, encoding="utf-8")
    (folder / "exercises" / "initialization.py").write_text(
        solution_text("initialization") + f"\n\ndel {MISSING_FN}\n", encoding="utf-8"
    )
    (folder / "exercises" / "batchnorm.py").write_text(
        solution_text("batchnorm") + "\n\n_reference_forward = batchnorm_forward\n\n\n"
        "def batchnorm_forward(x, gamma, beta, epsilon=1e-5):\n"
        "    return _reference_forward(x, gamma, beta, epsilon)\n",
        encoding="utf-8",
    )
    return grade_json(folder, "--lang", "en"), bad_line


# ----------------------------------------------------------------------------- usage errors
def test_missing_path_is_exit_2(tmp_path):
    assert_usage_error(dlgrade("grade", tmp_path / "nowhere", "--format", "json"), "nowhere")


def test_unknown_file_kind_is_exit_2(tmp_path):
    path = tmp_path / "homework.txt"
    path.write_text("def relu(x): return x\n")
    assert_usage_error(dlgrade("grade", path, "--format", "json"), "homework.txt")


def test_py_whose_stem_is_not_a_topic_is_exit_2(tmp_path):
    path = tmp_path / "homework.py"
    path.write_text("def relu(x): return x\n")
    assert_usage_error(dlgrade("grade", path), "--topic")


def test_bad_topic_is_exit_2_with_one_error_line(tmp_path):
    path = tmp_path / "activations.py"
    path.write_text("def relu(x): return x\n")
    assert_usage_error(dlgrade("grade", path, "--topic", "convolutions", "--format", "json"),
                       "convolutions")  # fmt: skip


def test_bad_zip_is_exit_2(tmp_path):
    path = tmp_path / "work.zip"
    path.write_bytes(b"this is not a zip")
    assert_usage_error(dlgrade("grade", path, "--format", "json"), "work.zip")


def _course_copy(tmp_path: Path, toml_text: str) -> Path:
    """A course root whose course/course.toml is ``toml_text``; everything else links back."""
    root = tmp_path / "course_copy"
    (root / "course").mkdir(parents=True)
    (root / "course" / "course.toml").write_text(toml_text, encoding="utf-8")
    for entry in (ROOT / "course").iterdir():
        if entry.name != "course.toml":
            (root / "course" / entry.name).symlink_to(entry)
    for name in ("solutions", "exercises", "grader"):
        (root / name).symlink_to(ROOT / name)
    return root


def _toml_with(old: str, new: str) -> str:
    text = (ROOT / "course" / "course.toml").read_text(encoding="utf-8")
    assert old in text, f"course.toml no longer has {old!r}: update this test"
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    "old,new,needle",
    [("[limits]", "[limits", "not valid TOML"),
     ("call_seconds = 10", 'call_seconds = "ten"', "call_seconds"),
     ("[topics.dropout]", "[topics.convolutions]", "convolutions"),
     ("seed = 20261127", "seed = 1.5", "seed")],
    ids=["syntax", "limit-type", "unknown-topic", "seed-type"],
)  # fmt: skip
def test_malformed_course_toml_is_exit_2(tmp_path, reference_folder, old, new, needle):
    root = _course_copy(tmp_path, _toml_with(old, new))
    done = dlgrade("grade", reference_folder, "--format", "json", DLGRADE_COURSE=str(root))
    assert_usage_error(done, "course.toml", needle)


def test_course_copy_with_intact_toml_grades(tmp_path, buggy_activations):
    """The control for the test above: the same linked copy, unbroken, does grade."""
    root = _course_copy(tmp_path, (ROOT / "course" / "course.toml").read_text(encoding="utf-8"))
    done = dlgrade("grade", buggy_activations, "--topic", "activations", "--format", "json",
                   DLGRADE_COURSE=str(root))  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["topics"]["activations"]["status"] == "graded"


# ----------------------------------------------------------------------------- the JSON report
def test_json_report_has_every_field_of_the_spec(full_report):
    report = full_report
    assert report["schema_version"] == 1
    for key in ("score", "max_score"):
        assert isinstance(report[key], (int, float)) and not isinstance(report[key], bool)
    assert isinstance(report["seed"], int)
    assert isinstance(report["grader_version"], str) and report["grader_version"]
    protections = report["protections"]
    assert isinstance(protections, dict)
    assert isinstance(protections["network"], bool)
    assert isinstance(protections["pid_namespace"], bool)
    assert isinstance(protections["memory_limit_bytes"], int) and protections["memory_limit_bytes"] > 0
    assert isinstance(report["topics"], dict) and report["topics"]
    for name, topic in report["topics"].items():
        assert topic["status"] in ("graded", "missing", "not_gradable"), name
        assert isinstance(topic["message"], str)
        assert isinstance(topic["tests"], list)
        for key in ("score", "max_score"):
            assert isinstance(topic[key], (int, float)), (name, key)
        for test in topic["tests"]:
            assert set(test) >= {"name", "title", "points", "max_points", "outcome", "message", "hints"}
            assert isinstance(test["name"], str) and test["name"]
            assert isinstance(test["title"], str) and test["title"]
            assert isinstance(test["points"], (int, float)) and isinstance(test["max_points"], (int, float))
            assert 0 <= test["points"] <= test["max_points"]
            assert test["outcome"] in ("pass", "fail", "not_attempted", "error")
            assert isinstance(test["message"], str)
            assert isinstance(test["hints"], list) and all(isinstance(h, str) for h in test["hints"])
        assert topic["max_score"] == pytest.approx(sum(t["max_points"] for t in topic["tests"]))
        assert topic["score"] == pytest.approx(sum(t["points"] for t in topic["tests"]))
    assert report["score"] == pytest.approx(sum(t["score"] for t in report["topics"].values()))
    assert report["max_score"] == pytest.approx(sum(t["max_score"] for t in report["topics"].values()))


def test_report_lists_all_six_topics_without_topic_option(full_report):
    listed = list(full_report["topics"])
    without_suite = [t for t in TOPICS if not has_suite(t)]
    assert set(listed) == set(TOPICS), (
        f"the report lists {listed}; the spec says all six without --topic (topics without a hidden suite here: {without_suite})"
    )
    assert full_report["max_score"] == pytest.approx(sum(full_report["topics"][t]["max_score"] for t in TOPICS))


def test_references_score_full_marks(full_report):
    for name, topic in full_report["topics"].items():
        lost = [(t["name"], t["outcome"], t["message"]) for t in topic["tests"] if t["outcome"] != "pass"]
        assert topic["status"] == "graded" and not lost, f"{name}: {lost}"
    assert full_report["score"] == pytest.approx(full_report["max_score"])


def test_protections_say_bwrap_when_it_works(full_report):
    if not _bwrap_usable():
        pytest.skip("bubblewrap is not usable here")
    protections = full_report["protections"]
    assert protections["network"] is True and protections["pid_namespace"] is True


def test_default_seed_derives_from_the_course_secret_and_the_content(full_report, reference_folder):
    """Not the fixed course seed (hidden inputs one submission prints would be a lookup table
    for the next): SHA-256 of the course's secret and the submission's content."""
    import tomllib

    from grader.runner import submission_seed
    from grader.submission import load_submission

    course = tomllib.loads((ROOT / "course" / "course.toml").read_text(encoding="utf-8"))
    digest = load_submission(reference_folder).content_sha256
    assert full_report["content_sha256"] == digest
    assert full_report["seed"] == submission_seed(course["course"]["seed"], digest)
    assert full_report["seed"] != course["course"]["seed"]


def _dropout_variant(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True)
    (folder / "dropout.py").write_text(solution_text("dropout") + extra, encoding="utf-8")
    return folder


def test_each_submission_gets_its_own_seed_and_the_same_code_the_same_grade(tmp_path):
    anna = grade_json(_dropout_variant(tmp_path / "anna"), "--topic", "dropout")
    boris = grade_json(_dropout_variant(tmp_path / "boris", "\n# my own comment\n"), "--topic", "dropout")
    twin = grade_json(_dropout_variant(tmp_path / "twin_of_anna"), "--topic", "dropout")
    assert anna["seed"] != boris["seed"] and anna["content_sha256"] != boris["content_sha256"]
    assert anna["score"] == boris["score"] == anna["max_score"]
    assert twin["seed"] == anna["seed"] and twin["content_sha256"] == anna["content_sha256"]
    unnamed = {"submission": "", "path": ""}
    assert without_timing(twin) | unnamed == without_timing(anna) | unnamed
    forced = grade_json(tmp_path / "anna", "--topic", "dropout", "--seed", "5")
    from_env = grade_json(tmp_path / "boris", "--topic", "dropout", DLGRADE_SEED="5")
    assert forced["seed"] == from_env["seed"] == 5


@pytest.mark.parametrize("value", ["abc", "1.5", "0x10", "seven"])
def test_a_seed_that_is_not_an_integer_is_exit_2(tmp_path, value):
    path = _dropout_variant(tmp_path / "w")
    assert_usage_error(dlgrade("grade", path, "--topic", "dropout", DLGRADE_SEED=value), "DLGRADE_SEED", value)


def test_topic_option_lists_only_that_topic(buggy_activations):
    report = grade_json(buggy_activations, "--topic", "activations", "--lang", "en")
    assert list(report["topics"]) == ["activations"]
    topic = report["topics"]["activations"]
    assert report["max_score"] == topic["max_score"]
    lost = [t["name"] for t in topic["tests"] if t["points"] < t["max_points"]]
    assert lost and all("elu" in name or "vectoriz" in name for name in lost), lost


def test_seed_is_recorded_and_replays_the_same_report(buggy_activations):
    first = grade_json(buggy_activations, "--topic", "activations", "--seed", "12345")
    second = grade_json(buggy_activations, "--topic", "activations", "--seed", "12345")
    assert first["seed"] == second["seed"] == 12345
    assert measured_alike(first) == measured_alike(second)
    other = grade_json(buggy_activations, "--topic", "activations", "--seed", "777")
    assert other["seed"] == 777
    assert other["score"] == first["score"]  # verdicts do not depend on the seed


def test_lang_ru_gives_cyrillic_messages(buggy_activations):
    ru = grade_json(buggy_activations, "--topic", "activations", "--lang", "ru")
    failing = [t for t in ru["topics"]["activations"]["tests"] if t["outcome"] != "pass"]
    assert failing, "the buggy elu lost nothing"
    for test in failing:
        assert CYRILLIC.search(test["message"]), test["message"]
        assert all(CYRILLIC.search(hint) for hint in test["hints"]), test["hints"]
    titles = [t["title"] for t in ru["topics"]["activations"]["tests"]]
    assert all(CYRILLIC.search(title) for title in titles), [t for t in titles if not CYRILLIC.search(t)]


def test_lang_en_has_no_cyrillic(buggy_activations):
    en = grade_json(buggy_activations, "--topic", "activations", "--lang", "en")
    cyrillic = [text for text in all_texts(en) if CYRILLIC.search(text)]
    assert not cyrillic, cyrillic[:5]


# ----------------------------------------------------------------------------- broken modules
def test_syntax_error_makes_only_its_topic_not_gradable(broken_run):
    report, bad_line = broken_run
    topic = report["topics"][BROKEN["syntax"]]
    assert topic["status"] == "not_gradable"
    assert topic["score"] == 0
    assert "syntax" in topic["message"].lower()
    assert re.search(rf"(line {bad_line}\b|activations\.py:{bad_line}\b)", topic["message"]), (
        f"the message does not name line {bad_line}: {topic['message']!r}"
    )
    assert topic["max_score"] > 0
    for name in ("dropout", "optimizers"):
        if has_suite(name):
            other = report["topics"][name]
            assert other["status"] == "graded" and other["score"] == other["max_score"], name


def test_missing_function_is_named_and_the_rest_still_scores(broken_run):
    report, _ = broken_run
    topic = report["topics"][BROKEN["missing"]]
    assert topic["status"] == "not_gradable"
    assert MISSING_FN in topic["message"]
    assert f"{MISSING_FN}(fan_in, fan_out, rng)" in topic["message"]  # how to define it
    tests = topic["tests"]
    mine = [t for t in tests if MISSING_FN in t["name"]]
    assert mine and all(t["points"] == 0 for t in mine)
    others = ("xavier_uniform", "xavier_normal", "he_uniform")
    theirs = [t for t in tests if any(o in t["name"] for o in others)]
    assert theirs and all(t["outcome"] == "pass" for t in theirs), [
        (t["name"], t["outcome"], t["message"]) for t in theirs if t["outcome"] != "pass"
    ]
    assert 0 < topic["score"] < topic["max_score"]


def test_wrong_signature_names_the_expected_one(broken_run):
    report, _ = broken_run
    topic = report["topics"][BROKEN["signature"]]
    assert topic["status"] == "not_gradable"
    assert "batchnorm_forward(x, gamma, beta, eps=" in topic["message"], topic["message"]
    assert "epsilon" in topic["message"]  # what the student wrote
    assert 0 < topic["score"] < topic["max_score"]


def test_missing_topic_keeps_its_full_maximum(broken_run, full_report):
    report, _ = broken_run
    if "matrix_ops" not in full_report["topics"]:
        pytest.skip("no matrix_ops suite yet")
    topic = report["topics"]["matrix_ops"]
    assert topic["status"] == "missing" and topic["score"] == 0
    assert topic["max_score"] == full_report["topics"]["matrix_ops"]["max_score"]
    assert report["max_score"] == pytest.approx(full_report["max_score"])


# ----------------------------------------------------------------------------- other commands
def _bwrap_usable() -> bool:
    if shutil.which("bwrap") is None:
        return False
    probe = subprocess.run(
        ["bwrap", "--unshare-pid", "--unshare-net", "--die-with-parent", "--ro-bind", "/", "/", "true"],
        capture_output=True, timeout=30,
    )  # fmt: skip
    return probe.returncode == 0


def test_doctor_exits_0_and_says_bwrap():
    done = dlgrade("doctor", timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "jail:" in done.stdout
    if shutil.which("bwrap") is not None and _bwrap_usable():
        assert "jail: bwrap" in done.stdout, done.stdout


def test_doctor_json():
    done = dlgrade("doctor", "--format", "json", timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    facts = json.loads(done.stdout)
    assert facts["jail"] in ("bwrap", "plain")
    if _bwrap_usable():
        assert facts["jail"] == "bwrap"


def test_stubs_check_exits_0():
    done = dlgrade("stubs", "--check", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_version():
    done = dlgrade("--version", timeout=60)
    assert done.returncode == 0 and "dlgrade" in done.stdout


def test_non_utf8_module_is_not_gradable_with_a_message(tmp_path, full_report):
    if "activations" not in full_report["topics"]:
        pytest.skip("no activations suite yet")
    path = tmp_path / "activations.py"
    path.write_bytes("# решение\ndef relu(x):\n    return x\n".encode("cp1251"))
    report = grade_json(path, "--lang", "en")
    topic = report["topics"]["activations"]
    assert topic["status"] == "not_gradable" and topic["score"] == 0
    assert "UTF-8" in topic["message"]
    assert topic["max_score"] == full_report["topics"]["activations"]["max_score"]


# ----------------------------------------------------------------------------- fail closed
@functools.cache
def _path_without_bwrap() -> str:
    """A PATH with every command of this machine but bubblewrap: a fresh machine without it."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="dlgrade-no-bwrap-"))
    for directory in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for entry in os.scandir(directory):
            target = folder / entry.name
            if entry.name != "bwrap" and not target.exists() and os.access(entry.path, os.X_OK):
                target.symlink_to(entry.path)
    return str(folder)


def no_bwrap() -> dict[str, str]:
    return {"PATH": _path_without_bwrap()}  # bubblewrap is looked up on PATH: not there


@pytest.fixture(scope="module")
def dropout_work(tmp_path_factory) -> Path:
    return _dropout_variant(tmp_path_factory.mktemp("jail") / "work")


def test_without_bubblewrap_a_grade_is_refused(dropout_work):
    done = dlgrade("grade", dropout_work, "--topic", "dropout", "--format", "json", **no_bwrap())
    assert_usage_error(done, "bubblewrap", "--jail plain")


def test_without_bubblewrap_a_batch_of_submissions_is_refused(dropout_work):
    assert_usage_error(dlgrade("batch", dropout_work, "--topic", "dropout", **no_bwrap()), "--jail plain")


def test_asking_for_bwrap_where_it_is_missing_is_refused(dropout_work):
    done = dlgrade("grade", dropout_work, "--topic", "dropout", "--jail", "bwrap", **no_bwrap())
    assert_usage_error(done, "bubblewrap")


@pytest.mark.parametrize("how", [["--jail", "plain"], []], ids=["option", "environment"])
def test_the_plain_jail_is_an_opt_in(dropout_work, how):
    extra = no_bwrap() | ({} if how else {"DLGRADE_JAIL": "plain"})
    report = grade_json(dropout_work, "--topic", "dropout", *how, **extra)
    assert report["protections"]["jail"] == "plain"
    assert report["score"] == report["max_score"] > 0
    text = dlgrade("grade", dropout_work, "--topic", "dropout", *how, "--lang", "en", **extra)
    assert text.returncode == 0 and "jail: plain (weaker guarantees" in text.stdout, text.stdout


@pytest.mark.parametrize("value", ["bogus", "none", "BWRAP"])
def test_an_unknown_jail_in_the_environment_is_exit_2(dropout_work, value):
    done = dlgrade("grade", dropout_work, "--topic", "dropout", DLGRADE_JAIL=value)
    assert_usage_error(done, "DLGRADE_JAIL", value, "bwrap", "plain")
    assert_usage_error(dlgrade("batch", dropout_work, DLGRADE_JAIL=value), "DLGRADE_JAIL")


def test_an_unknown_jail_option_is_exit_2(dropout_work):
    assert_usage_error(dlgrade("grade", dropout_work, "--jail", "docker"), "--jail", "bwrap", "plain")


def test_the_jail_option_wins_over_the_environment(dropout_work):
    report = grade_json(dropout_work, "--topic", "dropout", "--jail", "plain", DLGRADE_JAIL="bwrap")
    assert report["protections"]["jail"] == "plain"
    # an unknown value is rejected wherever it is, even under an option that would win
    done = dlgrade("grade", dropout_work, "--topic", "dropout", "--jail", "plain", DLGRADE_JAIL="bogus")
    assert_usage_error(done, "DLGRADE_JAIL", "bogus")
    if _bwrap_usable():
        report = grade_json(dropout_work, "--topic", "dropout", "--jail", "bwrap", DLGRADE_JAIL="plain")
        assert report["protections"]["jail"] == "bwrap"


def test_the_samples_are_graded_plain_without_bubblewrap_and_it_says_so(tmp_path):
    """The README's first command on a fresh machine: the course's own samples are trusted."""
    out = tmp_path / "grades.jsonl"
    done = dlgrade("batch", "--out", out, "--lang", "en", "--jobs", "2", **no_bwrap(), timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "plain jail" in done.stderr and "samples" in done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert records and all(r["protections"]["jail"] == "plain" for r in records)


def test_check_runs_with_what_the_machine_has_and_says_so(tmp_path):
    work = tmp_path / "work"
    (work / "exercises").mkdir(parents=True)
    (work / "exercises" / "dropout.py").write_text(solution_text("dropout"), encoding="utf-8")
    done = dlgrade("check", "dropout", "--path", work, "--lang", "en", **no_bwrap())
    assert done.returncode == 0, done.stdout + done.stderr
    assert sum("jail: plain" in line for line in done.stdout.splitlines()) == 1, done.stdout


# ----------------------------------------------------------------------------- which course
FREE_POINTS = '''import pytest


@pytest.mark.points(600)
def test_free():
    """free points"""
'''


@pytest.fixture(scope="module")
def rogue_repository(tmp_path_factory) -> Path:
    """A student's repository with a course of its own (600 free points) and solutions/ that
    match their empty code: the grade must come from the real course all the same."""
    repo = tmp_path_factory.mktemp("rogue") / "repo"
    (repo / "course" / "dropout" / "hidden").mkdir(parents=True)
    (repo / "course" / "course.toml").write_text("[course]\nseed = 1\n[topics.dropout]\n", encoding="utf-8")
    (repo / "course" / "dropout" / "hidden" / "test_dropout.py").write_text(FREE_POINTS, encoding="utf-8")
    (repo / "solutions").mkdir()
    (repo / "solutions" / "__init__.py").write_text("", encoding="utf-8")
    (repo / "solutions" / "dropout.py").write_text("def dropout_forward(*a, **k):\n    pass\n", encoding="utf-8")
    (repo / "exercises").mkdir()
    (repo / "exercises" / "dropout.py").write_text("", encoding="utf-8")
    return repo


def _in(folder: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    """dlgrade run from ``folder`` (a student's repository), the package from PYTHONPATH."""
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=folder, env=env(PYTHONPATH=str(ROOT), **extra_env), timeout=300)  # fmt: skip


def test_the_course_is_never_taken_from_the_current_folder(rogue_repository):
    done = _in(rogue_repository, "grade", ".", "--topic", "dropout", "--format", "json")
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    tests = report["topics"]["dropout"]["tests"]
    assert report["max_score"] != 600 and len(tests) > 1 and report["score"] == 0
    assert not any(t["name"] == "free" for t in tests)


def test_the_course_option_chooses_the_course(rogue_repository, tmp_path):
    root = _course_copy(tmp_path, (ROOT / "course" / "course.toml").read_text(encoding="utf-8"))
    done = _in(rogue_repository, "grade", ".", "--topic", "dropout", "--format", "json", "--course", root)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["max_score"] != 600
    assert_usage_error(_in(rogue_repository, "grade", ".", "--course", tmp_path / "nothing_here"),
                       "--course", "course.toml")  # fmt: skip


def test_no_course_found_is_a_clear_error(rogue_repository, tmp_path):
    """An installed engine without a course of its own, run in a repository that has one."""
    engine = tmp_path / "site"
    shutil.copytree(ROOT / "grader", engine / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-m", "grader.cli", "grade", ".", "--format", "json"],
                          capture_output=True, text=True, cwd=rogue_repository,
                          env=env(PYTHONPATH=str(engine)), timeout=120)  # fmt: skip
    assert_usage_error(done, "no course found", "--course", "DLGRADE_COURSE")


def test_a_symlinked_exercises_folder_is_refused_naming_it(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "exercises").symlink_to(ROOT / "solutions")
    assert_usage_error(dlgrade("grade", work, "--format", "json"), "exercises", "symbolic link")


@pytest.mark.parametrize("command", [["check", "dropout"], ["validate"], ["doctor"], ["batch"]])
def test_a_bad_jail_variable_is_exit_2_for_every_command(command):
    assert_usage_error(dlgrade(*command, DLGRADE_JAIL="bwarp"), "DLGRADE_JAIL", "bwarp")


def test_a_broken_submission_is_a_report_or_one_error_line_never_exit_3(tmp_path):
    """Each shape that once crashed the grader (exit 3) on its own: now a report (exit 0) that
    says what to fix, or one error line (exit 2) when it cannot be read at all."""
    import zipfile

    encrypted = tmp_path / "encrypted.zip"
    with zipfile.ZipFile(encrypted, "w") as archive:
        archive.writestr("hw/dropout.py", solution_text("dropout"))
    data = bytearray(encrypted.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.index(signature) + offset] |= 0x1
    encrypted.write_bytes(bytes(data))
    bad_name = tmp_path / "bad_name.zip"
    with zipfile.ZipFile(bad_name, "w") as archive:
        archive.writestr("hw/dropout.py", solution_text("dropout"))
        archive.writestr("hw/é.py", "x = 1\n")
    bad_name.write_bytes(bad_name.read_bytes().replace("é".encode(), b"\xff\xfe"))
    notebooks = []
    for i, text in enumerate(["nope", "[1]", '{"cells": 1}', '{"cells": [1]}',
                              '{"cells": [{"cell_type": "code", "source": [1]}]}',
                              '{"cells": [{"cell_type": "code", "source": "", "metadata": 1}]}']):  # fmt: skip
        notebooks.append(tmp_path / f"nb{i}.ipynb")
        notebooks[-1].write_text(text, encoding="utf-8")
    for path in (encrypted, bad_name, *notebooks):
        assert_usage_error(dlgrade("grade", path, "--topic", "dropout", "--format", "json"), path.name)
    array_default = tmp_path / "optimizers.py"
    text = solution_text("optimizers")
    assert "def fit_gd(X, y, lr, n_steps, w0=None)" in text, "update this test: fit_gd's signature changed"
    array_default.write_text(text.replace("def fit_gd(X, y, lr, n_steps, w0=None)",
                                          "def fit_gd(X, y, lr, n_steps, w0=np.zeros(2))"), encoding="utf-8")  # fmt: skip
    report = grade_json(array_default, "--lang", "en")
    topic = report["topics"]["optimizers"]
    assert topic["status"] == "not_gradable" and "fit_gd(X, y, lr, n_steps, w0=None)" in topic["message"]
    assert 0 < topic["score"] < topic["max_score"]


@pytest.mark.parametrize("command", ["grade", "batch"])
def test_a_jail_without_its_job_wide_bounds_is_exit_2_batch_included(dropout_work, command):
    """The sandbox refuses the strong jail without cgroups (JailUnavailable): in a batch too it
    is the machine's error, one line and exit 2, never a per-submission record."""
    done = dlgrade(command, dropout_work, "--topic", "dropout", DLGRADE_CGROUP_ROOT="/nonexistent")
    assert_usage_error(done, "job-wide memory bound")
