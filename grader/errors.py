"""The grader's own errors, each with the exit code the CLI ends with (spec/report-format.md)::

    DlgradeError (3: the grader's own bug, when nothing more specific applies)
    ├── UsageError       (2) a command was called wrong: a bad path, topic, option
    ├── ConfigError      (2) the course itself is broken: a malformed config, bank or suite
    ├── SubmissionError  (2) a submission cannot be read at all: a bad zip, an unknown file kind
    ├── JailUnavailable  (2) a grade asked for where the strong jail is missing (fail closed)
    └── JailSetupFailed  (3) the jail could not start a worker, twice: no student code had run

A submission that can be read but is broken (a syntax error, a missing function) is not an
error of the grader: it is graded, and the report says what to fix.
"""

from __future__ import annotations


class DlgradeError(Exception):
    exit_code = 3


class UsageError(DlgradeError):
    exit_code = 2


class ConfigError(DlgradeError):
    exit_code = 2


class SubmissionError(DlgradeError):
    exit_code = 2


class JailUnavailable(DlgradeError):
    """The strong jail (or one of its job-wide bounds) is missing where a grade was asked for:
    refused, fail closed, unless the user opts in to the weaker one (``--jail plain``)."""

    exit_code = 2


class JailSetupFailed(DlgradeError):
    """The jail could not start or set up a worker (its zygote did not start, the job's folder
    could not be made, a protection could not be put in place: a worker ending before it said
    it was ready, often with exit code 125), and a fresh zygote could not either. No student
    code had run: the grader's or the machine's failure, never the submission's. A grade
    records it as an internal error (``error_kind`` internal), the batch goes on."""
