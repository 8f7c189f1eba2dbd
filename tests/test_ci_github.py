"""Pull requests graded by the instructor's GitHub workflow (docs/classroom.md): the workflow
files pass actionlint (with shellcheck on their scripts), their design holds (the course is
fetched before the pull request is checked out, the key is in that one step, the token reads
only), and the grading step, ci/github/grade-pr.sh itself, run here with the variables GitHub
sets, writes the summary, the annotations and the outputs, and a hostile pull request forges
none of them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader.ci_github import command, concerned, escape_data, escape_property, locate
from grader.results import TestResult

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "ci" / "github"
WORKFLOW = CI / "dlgrade-grade.yml"
STEP = CI / "grade-pr.sh"
BIN = Path(sys.executable).parent  # actionlint and shellcheck come with the test extra


# ----------------------------------------------------------------------------- the runner's side
def unescape(text: str, *, prop: bool = False) -> str:
    """What GitHub's runner makes of an escaped command part (ActionCommand's unescaping)."""
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if prop else []) + [("%25", "%")]
    for escaped, plain in pairs:
        text = text.replace(escaped, plain)
    return text


_COMMAND = re.compile(r"^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$")


def runner_commands(output: str) -> list[tuple[str, dict[str, str], str]]:
    """The workflow commands GitHub's runner would act on in a step's output, as it reads them:
    line by line, leading blanks ignored, nothing between ``::stop-commands::T`` and ``::T::``."""
    found = []
    stopped_by: str | None = None
    for raw in re.split(r"\r?\n|\r", output):
        line = raw.strip()
        if stopped_by is not None:
            if line == f"::{stopped_by}::":
                stopped_by = None
            continue
        match = _COMMAND.match(line)
        if not match:
            continue
        name, props, data = match.groups()
        properties = {}
        for part in (props or "").split(","):
            if "=" in part:
                key, value = part.split("=", 1)
                properties[key] = unescape(value, prop=True)
        if name == "stop-commands":
            stopped_by = data
        found.append((name, properties, unescape(data)))
    assert stopped_by is None, "commands were stopped and never resumed: the annotations would be lost"
    return found


# ----------------------------------------------------------------------------- escaping
@pytest.mark.parametrize(
    "hostile",
    ["100%0A::set-output name=score::100", "ok\n::add-mask::secret\r\n::error::fake", "a%25b%3Ac", "x\u2028::warning::y"],
)
def test_a_message_stays_one_line_of_data(hostile):
    line = command("error", hostile, file="exercises/x.py", line=3, title="t")
    assert "\n" not in line and "\r" not in line
    ((name, props, data),) = runner_commands(line)
    assert name == "error" and props == {"file": "exercises/x.py", "line": "3", "title": "t"}
    # the text comes back as it was (line breaks as the report shows them), never as a command
    assert unescape(escape_data(hostile)) == data
    assert "set-output" not in "".join(n for n, _, _ in runner_commands(line))


def test_a_property_cannot_end_itself_or_add_another():
    title = "f, line=1::fake verdict"
    line = command("error", "m", file="a.py", line=2, title=title)
    ((_, props, data),) = runner_commands(line)
    assert props["title"] == title and props["line"] == "2" and data == "m"
    assert unescape(escape_property("a:b,c%"), prop=True) == "a:b,c%"


# ----------------------------------------------------------------------------- where the code is
def test_locate_finds_the_last_binding_of_each_function(tmp_path):
    (tmp_path / "exercises").mkdir()
    source = "import numpy as np\n\ndef relu(x):\n    return x\n\n\nrelu = np.vectorize(relu)\n\ndef elu(x):\n    pass\n"
    (tmp_path / "exercises" / "activations.py").write_text(source)
    module = locate(tmp_path, "activations", source)
    assert module.path == "exercises/activations.py"
    assert module.lines["relu"] == 7 and module.lines["elu"] == 9
    assert locate(tmp_path, "activations", source + "# not what was graded\n").path is None
    broken = "def relu(x):\n    return (\n"
    (tmp_path / "exercises" / "activations.py").write_text(broken)
    assert locate(tmp_path, "activations", broken).syntax_line is not None


def test_a_test_concerns_the_function_it_names():
    functions = ["relu", "relu_grad", "elu"]
    test = TestResult("float32_inputs[relu_grad]", "relu_grad is right for float32", 1.0, "fail")
    assert concerned(test, functions) == ["relu_grad"]
    test = TestResult("bn_backward_dx", "BN backward gives the right dx", 1.0, "fail", message="elu: wrong")
    assert concerned(test, functions) == ["elu"]
    assert concerned(TestResult("x", "nothing named", 1.0, "fail"), functions) == []


# ----------------------------------------------------------------------------- the workflow files
def workflow_files() -> list[Path]:
    files = sorted(CI.glob("*.yml")) + sorted(CI.glob("*.yaml")) + sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
    assert WORKFLOW in files
    return files


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("actionlint", path=str(BIN)) or shutil.which("actionlint")
    assert exe, "actionlint is missing: pip install -e '.[test]'"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # its shellcheck too
    return subprocess.run([exe, "-no-color", *map(str, paths)], capture_output=True, text=True, env=env, timeout=120)


def test_every_workflow_file_passes_actionlint():
    assert shutil.which("shellcheck", path=str(BIN)) or shutil.which("shellcheck"), "shellcheck is missing"
    result = actionlint(*workflow_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_does_flag_an_injected_expression(tmp_path):
    # the check above can fail: the same linter rejects the classic script injection
    bad = tmp_path / "bad.yml"
    bad.write_text("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   '      - run: echo "${{ github.event.pull_request.title }}"\n')  # fmt: skip
    result = actionlint(bad)
    assert result.returncode != 0 and "untrusted" in result.stdout


def test_the_step_script_passes_shellcheck():
    exe = shutil.which("shellcheck", path=str(BIN)) or shutil.which("shellcheck")
    assert exe
    result = subprocess.run([exe, *map(str, sorted(CI.glob("*.sh")))], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


def steps() -> list[dict]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    return job["steps"]


def test_the_workflow_fetches_the_course_before_any_student_file_and_reads_only():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert set(triggers) == {"pull_request"}, "pull_request_target would run with the base's secrets and write token"
    assert workflow["permissions"] == {"contents": "read"}
    all_steps = steps()
    texts = [json.dumps(step) for step in all_steps]
    with_key = [i for i, text in enumerate(texts) if "secrets." in text]
    checkouts = [i for i, s in enumerate(all_steps) if str(s.get("uses", "")).startswith("actions/checkout@")]
    pr_checkout = next(i for i in checkouts if "pull_request.head.sha" in texts[i])
    assert with_key and all(i < pr_checkout for i in with_key), "a secret is in reach after the pull request is checked out"
    assert len(with_key) == 1 and "DLGRADE_COURSE_KEY" in texts[with_key[0]]
    assert all(all_steps[i]["with"].get("persist-credentials") is False for i in checkouts)
    assert "github.token" not in WORKFLOW.read_text() and "GITHUB_TOKEN" not in WORKFLOW.read_text()
    moved = next(i for i, s in enumerate(all_steps) if "RUNNER_TEMP/course" in str(s.get("run", "")))
    assert with_key[0] < moved < pr_checkout, "the course must leave the workspace before the pull request comes in"
    install = next(i for i, s in enumerate(all_steps) if "pip" in str(s.get("run", "")))
    assert install < pr_checkout and '"$RUNNER_TEMP/course"' in all_steps[install]["run"]
    grade = all_steps[-1]
    assert grade["id"] == "grade" and grade["run"].rstrip().endswith(f'"$DLGRADE_COURSE/{STEP.relative_to(ROOT)}"')


def test_the_rulesets_require_this_workflow_and_keep_workflows_out_of_student_pushes():
    grade = json.loads((CI / "ruleset-grade.json").read_text(encoding="utf-8"))
    (rule,) = [r for r in grade["rules"] if r["type"] == "workflows"]
    (required,) = rule["parameters"]["workflows"]
    assert required["path"] == f".github/workflows/{WORKFLOW.name}"
    assert {r["type"] for r in grade["rules"]} >= {"pull_request", "workflows"} and grade["target"] == "branch"
    push = json.loads((CI / "ruleset-no-workflows.json").read_text(encoding="utf-8"))
    assert push["target"] == "push"
    (restriction,) = push["rules"]
    assert restriction["type"] == "file_path_restriction"
    assert ".github/**/*" in restriction["parameters"]["restricted_file_paths"]
    assert grade["conditions"]["repository_name"] == push["conditions"]["repository_name"]
    doc = (ROOT / "docs" / "classroom.md").read_text(encoding="utf-8")
    for name in (WORKFLOW.name, STEP.name, "ruleset-grade.json", "ruleset-no-workflows.json", "DLGRADE_COURSE_KEY"):
        assert name in doc, f"docs/classroom.md does not say where {name} goes"


# ----------------------------------------------------------------------------- the step, run here
CANARY = "ghs_canaryTOKEN0123456789abcdefABCDEF"

HOSTILE = '''
import os, sys
print("::set-output name=score::999")
print("::add-mask::" + "mask-me")
print("::error file=exercises/dropout.py,line=1::fake verdict")
print("### dlgrade: 311 / 311")
print("::stop-commands::guess")
sys.stderr.write("::set-output name=passed::true\\n::notice::all tests passed\\n")
print(dict(os.environ))
print(os.environ.get("GITHUB_TOKEN"), os.environ.get("ACTIONS_RUNTIME_TOKEN"))

_forward = dropout_forward


def dropout_forward(x, p, rng, train=True):
    if not train:
        raise RuntimeError("no\\n::set-output name=passed::true\\n::add-mask::x\\n## Full marks\\n</details>"
                           + str(os.environ.get("GITHUB_TOKEN")))
    return _forward(x, p, rng, train)


def dropout_backward(dout, cache):
    """wrong: forgets the scaling"""
    if cache is None:
        return dout.copy()
    return dout * (cache != 0)
'''


def pull_request_event(number: int, sha: str) -> dict:
    hostile = "::set-output name=score::999\n## 311 / 311"
    return {"action": "synchronize", "number": number,
            "pull_request": {"number": number, "title": hostile, "body": hostile,
                             "head": {"sha": sha, "ref": "::add-mask::main"}, "base": {"sha": "0" * 40}}}  # fmt: skip


def run_step(tmp_path: Path, files: dict[str, str], pass_at: str = "1", links: dict[str, str] | None = None) -> dict:
    """ci/github/grade-pr.sh in a runner-like environment: a workspace holding the pull request,
    the course outside it, the files GitHub gives a step, tokens in the environment."""
    workspace, runner_temp = tmp_path / "workspace", tmp_path / "runner-temp"
    runner_temp.mkdir()
    for name, text in files.items():
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text(text, encoding="utf-8")
    for name, target in (links or {}).items():
        (workspace / name).symlink_to(target)
    summary, outputs, event = runner_temp / "step_summary", runner_temp / "output", runner_temp / "event.json"
    summary.write_text("")
    outputs.write_text("")
    sha = "3f786850e387550fdab836ed7e6dc881de23001b"
    event.write_text(json.dumps(pull_request_event(12, sha)))
    env = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8",
        "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs),
        "GITHUB_ENV": str(runner_temp / "env"), "GITHUB_PATH": str(runner_temp / "path"),
        "GITHUB_WORKSPACE": str(workspace), "GITHUB_REPOSITORY": "classroom-org/hw-dl-student",
        "GITHUB_SHA": sha, "GITHUB_REF": "refs/pull/12/merge", "RUNNER_TEMP": str(runner_temp),
        "GITHUB_TOKEN": CANARY, "ACTIONS_RUNTIME_TOKEN": CANARY, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": CANARY,
        "DLGRADE_COURSE": str(ROOT), "DLGRADE_PYTHON": sys.executable, "DLGRADE_PASS_AT": pass_at,
        "PYTHONPATH": str(ROOT),  # this checkout's engine, as the workflow's venv has the course's
    }  # fmt: skip
    for name in ("DLGRADE_CGROUPS", "DLGRADE_CGROUP_ROOT", "DLGRADE_JAIL"):  # the machine's jail, as the tests use it
        if name in os.environ:
            env[name] = os.environ[name]
    done = subprocess.run(["bash", str(STEP)], cwd=workspace, env=env, capture_output=True, text=True, timeout=300)
    return {"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "summary": summary.read_text(),
            "outputs": outputs.read_text(), "workspace": workspace, "sha": sha}  # fmt: skip


def parse_outputs(text: str) -> dict[str, str]:
    pairs = [line.split("=", 1) for line in text.splitlines() if line]
    assert all(len(pair) == 2 for pair in pairs), text
    found = dict(pairs)
    assert len(found) == len(pairs), f"an output written twice: {text}"
    return found


@pytest.mark.slow
def test_a_correct_pull_request_gets_its_score_everywhere_and_a_green_check(tmp_path):
    source = (ROOT / "solutions" / "dropout.py").read_text(encoding="utf-8")
    run = run_step(tmp_path, {"exercises/dropout.py": source}, pass_at="0.1")
    assert run["code"] == 0, run["stderr"]
    outputs = parse_outputs(run["outputs"])
    score, max_score = float(outputs["score"]), float(outputs["max_score"])
    assert outputs["passed"] == "true" and score > 0 and max_score > score  # dropout alone: one topic of six
    assert f"### dlgrade: {outputs['score']} / {outputs['max_score']}" in run["summary"].splitlines()
    assert "12" in run["summary"].splitlines()[0] and run["sha"][:12] in run["summary"].splitlines()[0]
    commands = runner_commands(run["stdout"])
    assert [name for name, _, _ in commands] == ["stop-commands", "notice"]  # dropout lost nothing


@pytest.mark.slow
def test_a_hostile_pull_request_forges_nothing(tmp_path):
    solution = (ROOT / "solutions" / "dropout.py").read_text(encoding="utf-8")
    files = {
        "exercises/dropout.py": solution + HOSTILE,
        # if the trusted side imported these (Python's current folder first), they would write a grade
        "grader/__init__.py": "",
        "grader/cli.py": "import os\nopen(os.environ['GITHUB_OUTPUT'], 'a').write('score=999\\n')\n",
        "click.py": "import os\nopen(os.environ['GITHUB_OUTPUT'], 'a').write('passed=true\\n')\n",
    }
    run = run_step(tmp_path, files)
    everything = run["stdout"] + run["stderr"] + run["summary"] + run["outputs"]
    assert CANARY not in everything, "a token of the runner reached the output"
    assert run["code"] == 1, run["stderr"]  # below full marks: a red check, not a grader error

    outputs = parse_outputs(run["outputs"])
    assert set(outputs) == {"score", "max_score", "percent", "passed"} and outputs["passed"] == "false"
    score = float(outputs["score"])
    assert 0 < score < float(outputs["max_score"])

    headings = [line for line in run["summary"].splitlines() if line.startswith("#")]
    assert headings == [headings[0], f"### dlgrade: {outputs['score']} / {outputs['max_score']}"], headings
    assert run["summary"].count("</details>") == 1  # the student's own </details> is inert text

    commands = runner_commands(run["stdout"])
    names = [name for name, _, _ in commands]
    assert names[0] == "stop-commands" and names.count("stop-commands") == 1
    assert set(names[1:]) <= {"error", "warning", "notice"}, names
    assert names.count("notice") == 1
    source_lines = files["exercises/dropout.py"].splitlines()
    last_backward = max(i for i, line in enumerate(source_lines, 1) if line.startswith("def dropout_backward("))
    last_forward = max(i for i, line in enumerate(source_lines, 1) if line.startswith("def dropout_forward("))
    errors = [(props, data) for name, props, data in commands if name == "error"]
    assert errors
    for props, _ in errors:
        assert props["file"] == "exercises/dropout.py" and props["title"].startswith("dlgrade")
        # a function's line, or line 1 for the topic's tests about no one function (a gated
        # property such as "any shape" names the value tests it waits for, not a function)
        assert int(props["line"]) in (last_backward, last_forward, 1), props
    lines = {int(props["line"]) for props, _ in errors}
    assert {last_backward, last_forward} <= lines  # the wrong scaling, and the raise in eval mode
    (forward_data,) = [data for props, data in errors if int(props["line"]) == last_forward]
    assert "set-output" in forward_data  # the student's text is shown, as data of our annotation
    (notice,) = [props for name, props, _ in commands if name == "notice"]
    assert notice["title"] == f"dlgrade: {outputs['score']} / {outputs['max_score']}"
    assert not (run["workspace"] / "grader" / "__pycache__").exists()


@pytest.mark.slow
def test_a_pull_request_that_cannot_be_read_fails_the_check_with_one_annotation(tmp_path):
    hostile_name = "exercises/x\n::set-output name=passed::true\n.py"  # the error message names it
    run = run_step(tmp_path, {"exercises/dropout.py": "x = 1\n"}, links={hostile_name: "/etc/passwd"})
    assert run["code"] == 2, run["stderr"]  # a submission that cannot be read: exit 2, a red check
    commands = runner_commands(run["stdout"])
    assert [name for name, _, _ in commands] == ["stop-commands", "error"]
    assert "symbolic link" in commands[1][2] and "set-output" in commands[1][2]
    assert parse_outputs(run["outputs"]) == {"score": "0", "max_score": "0", "percent": "0.0", "passed": "false"}
    assert [line for line in run["summary"].splitlines() if line.startswith("#")][1:] == [
        "### dlgrade could not grade this pull request"
    ]
