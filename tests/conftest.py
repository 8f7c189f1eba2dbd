"""The project's own test run collects hidden suites directly (the oracle tests load them as
modules), so it registers the same marks every runner of suites registers."""

import pytest

from grader.suite import MARKS


def pytest_configure(config: pytest.Config) -> None:
    for mark in MARKS:
        config.addinivalue_line("markers", mark)
