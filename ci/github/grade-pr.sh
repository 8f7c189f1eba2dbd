#!/usr/bin/env bash
# The grading step of dlgrade-grade.yml: grade the pull request checked out in GITHUB_WORKSPACE
# with the course in DLGRADE_COURSE, and report it where GitHub shows it (the job summary,
# annotations on the student's lines, the step's outputs, the check's status). tests/
# test_ci_github.py runs this very file with the variables GitHub sets.
#
# No student code runs here: dlgrade reads the student's files as data and runs them only in its
# jail (no network, an empty environment, the course not there). docs/classroom.md says why.
set -euo pipefail

: "${GITHUB_WORKSPACE:?the checkout of the pull request}"
: "${DLGRADE_COURSE:?the course checkout (course/ and solutions/), outside GITHUB_WORKSPACE}"
: "${GITHUB_STEP_SUMMARY:?}" "${GITHUB_OUTPUT:?}"

case "$(realpath -m "$DLGRADE_COURSE")/" in
  "$(realpath -m "$GITHUB_WORKSPACE")"/*)
    echo "error: DLGRADE_COURSE is inside GITHUB_WORKSPACE, where the pull request's files are;" \
      "fetch the course into RUNNER_TEMP" >&2
    exit 2 ;;
esac

# The runner's credentials are of no use to grading: not even the trusted side keeps them.
unset GITHUB_TOKEN ACTIONS_RUNTIME_TOKEN ACTIONS_RUNTIME_URL ACTIONS_RESULTS_URL ACTIONS_CACHE_URL \
  ACTIONS_ID_TOKEN_REQUEST_TOKEN ACTIONS_ID_TOKEN_REQUEST_URL DLGRADE_COURSE_KEY

python="${DLGRADE_PYTHON:-python3}"
# Python puts the current folder first on sys.path: outside the student's checkout, and with -P,
# a grader/, click.py or numpy.py of the pull request is never what this process imports.
cd "${RUNNER_TEMP:-/tmp}"
exec "$python" -P -m grader.cli ci github "$GITHUB_WORKSPACE" --course "$DLGRADE_COURSE" \
  --pass-at "${DLGRADE_PASS_AT:-1}"
