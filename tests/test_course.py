"""course/course.toml is read once into a typed Course: its [topics] order is the course's one
topic list, and a key nothing reads is an error, not silently ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.course import load_course, seed_override
from grader.errors import ConfigError
from grader.submission import TOPICS


def course_with(tmp_path: Path, toml: str):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "course.toml").write_text(toml, encoding="utf-8")
    return load_course(tmp_path)


def test_topics_come_in_the_files_order(tmp_path: Path) -> None:
    course = course_with(tmp_path, "[topics.dropout]\nmax_points = 30\n[topics.activations]\n")
    assert course.topics == ("dropout", "activations")
    assert course.max_points == {"dropout": 30.0}


def test_no_topics_table_means_every_topic_of_the_contract(tmp_path: Path) -> None:
    assert course_with(tmp_path, "[course]\nname = 'c'\n").topics == TOPICS


@pytest.mark.parametrize(
    "toml,needle",
    [("[topics.dropout]\nweight = 1.0\n", "unknown key 'weight'"),
     ("[topics.dropout]\nmax_points = 0\n", "max_points must be a positive number"),
     ("[topics]\ndropout = 3\n", "[topics.dropout] must be a table"),
     ("[topics.convolutions]\n", "unknown topic(s) convolutions"),
     ("[course]\nlang = 'fr'\n", "[course] lang must be one of ru, en"),
     ("[course]\nsede = 1\n", "[course] unknown key(s) sede"),
     ("[limit]\ncall_seconds = 3\n", "unknown table [limit]")],
    ids=["weight", "zero-points", "not-a-table", "unknown-topic", "lang", "course-key", "table"],
)  # fmt: skip
def test_a_bad_topics_table_names_the_file_and_key(tmp_path: Path, toml: str, needle: str) -> None:
    with pytest.raises(ConfigError) as error:
        course_with(tmp_path, toml)
    assert "course.toml" in str(error.value) and needle in str(error.value)


def test_a_course_file_not_in_utf8_is_a_config_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "course.toml").write_bytes(b"[course]\nname = '\xff\xfe'\n")
    with pytest.raises(ConfigError, match="course.toml: not valid TOML"):
        load_course(tmp_path)


@pytest.mark.parametrize(
    "name,value,needle",
    [("DLGRADE_SEED", "abc", "DLGRADE_SEED='abc' is not an integer"),
     ("DLGRADE_LIMIT_CALL_SECONDS", "0", "DLGRADE_LIMIT_CALL_SECONDS='0' must be a positive number"),
     ("DLGRADE_LIMIT_PROCESSES", "2.5", "DLGRADE_LIMIT_PROCESSES='2.5' must be a positive integer"),
     ("DLGRADE_LIMIT_MEMORY_BYTES", "nan", "DLGRADE_LIMIT_MEMORY_BYTES='nan' must be a positive integer")],
    ids=["seed", "zero-limit", "fractional-count", "nan"],
)  # fmt: skip
def test_a_bad_environment_override_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, needle: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        course_with(tmp_path, "[course]\nseed = 1\n")
    assert needle in str(error.value)


def test_the_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLGRADE_SEED", "7")
    monkeypatch.setenv("DLGRADE_LIMIT_CALL_SECONDS", "2.5")
    course = course_with(tmp_path, "[course]\nseed = 1\n[limits]\ncall_seconds = 10\n")
    assert course.limits.call_seconds == 2.5
    # DLGRADE_SEED is a run's seed, used as given; the file's seed stays the course's secret
    assert seed_override(None) == 7 and course.seed == 1
