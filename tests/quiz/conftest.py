"""Fixtures of the quiz tests: the course's banks, a config, and throwaway banks to break."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from quiz_paths import ROOT

from grader.course import load_course
from grader.quiz.config import QuizConfig, quiz_config
from grader.quiz.engine import load_banks
from grader.quiz.loader import Bank


@pytest.fixture(scope="session")
def config() -> QuizConfig:
    return quiz_config(load_course(ROOT))


@pytest.fixture(scope="session")
def banks(config: QuizConfig) -> dict[str, Bank]:
    return load_banks(config, "all")


@pytest.fixture(scope="session")
def act(banks: dict[str, Bank]) -> Bank:
    return banks["activations"]


@pytest.fixture
def write_bank(tmp_path: Path):
    """write_bank(yaml_text, topic="activations") -> the bank's path under tmp_path."""

    def write(text: str, topic: str = "activations") -> Path:
        path = tmp_path / "course" / topic / "quiz.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
