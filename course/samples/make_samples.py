"""Build the sample submissions that `dlgrade batch` grades when given no paths.

    .venv/bin/python course/samples/make_samples.py

Each sample is a zip as a student would upload it (one wrapping folder, exercises/ inside),
assembled from the reference solutions, the stubs and the test corpus, so the samples show a
range of outcomes and never drift from what the suites expect. The zips are committed; rerun
this after changing a suite or the corpus."""

from __future__ import annotations

import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CORPUS = ROOT / "tests" / "corpus"


def solution(topic: str) -> str:
    return (ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")


def stub(topic: str) -> str:
    return (ROOT / "exercises" / f"{topic}.py").read_text(encoding="utf-8")


def corpus(topic: str, kind: str, name: str) -> str:
    return (CORPUS / topic / kind / f"{name}.py").read_text(encoding="utf-8")


TOPICS = ("activations", "initialization", "batchnorm", "dropout", "optimizers", "matrix_ops")

SAMPLES: dict[str, dict[str, str]] = {
    # everything right
    "anna": {topic: solution(topic) for topic in TOPICS},
    # a typical student: right but unusual in places, the classic bugs in others
    "boris": {
        "activations": corpus("activations", "wrong", "elu_missing_minus_one"),
        "initialization": corpus("initialization", "correct", "box_muller"),
        "batchnorm": corpus("batchnorm", "wrong", "unbiased_var_forward"),
        "dropout": corpus("dropout", "correct", "bool_mask_scaled_in_backward"),
        "optimizers": corpus("optimizers", "correct", "array_split_batches"),
        "matrix_ops": corpus("matrix_ops", "wrong", "ce_dlogits_not_divided"),
    },
    # halfway through the module: two topics done, the rest still the stubs
    "vera": {
        "activations": corpus("activations", "correct", "float32_preserving"),
        "initialization": solution("initialization"),
        **{topic: stub(topic) for topic in ("batchnorm", "dropout", "optimizers", "matrix_ops")},
    },
    # broken in every way a module can be: a syntax error, a hang, a missing file
    "gleb": {
        "activations": corpus("activations", "wrong", "loops_everywhere"),
        "initialization": solution("initialization").replace("def he_normal(", "def he_normal(:", 1),
        "batchnorm": solution("batchnorm"),
        "dropout": solution("dropout").replace(
            "def dropout_backward(dout, cache):",
            "def dropout_backward(dout, cache):\n    while True:\n        pass", 1),
        "optimizers": corpus("optimizers", "wrong", "sgd_velocity_reset_each_epoch"),
    },
    # tries to cheat: forged output, patched NumPy, a hunt for the hidden tests
    "dina": {
        "activations": (
            "import json, numpy, numpy.testing, os\n"
            "numpy.testing.assert_allclose = lambda *a, **k: None\n"
            "numpy.allclose = lambda *a, **k: True\n"
            "print(json.dumps({'score': 100, 'max_score': 100}))\n"
            "try:\n    open('/work/results.json', 'w').write('{\"score\": 100}')\n"
            "except OSError:\n    pass\n"
            "try:\n    from solutions.activations import *  # noqa: F401,F403\n"
            "except ImportError:\n    pass\n\n"
        ) + corpus("activations", "wrong", "elu_alpha_ignored"),
        **{topic: solution(topic) for topic in ("initialization", "dropout")},
    },
}


def main() -> None:
    for name, modules in SAMPLES.items():
        target = HERE / f"{name}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for topic, text in sorted(modules.items()):
                info = zipfile.ZipInfo(f"{name}/exercises/{topic}.py", date_time=(2026, 11, 27, 0, 0, 0))
                archive.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED)
        print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
