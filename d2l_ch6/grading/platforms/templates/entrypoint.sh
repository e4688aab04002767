#!/usr/bin/env bash
# PrairieLearn runs this in the grading container (written by `d2l-ch6
# autograder prairielearn`): grade $ROOT/student into $ROOT/results/results.json
# under the question's tests/config.json. PrairieLearn does not create
# $ROOT/results: this does. A results file is ALWAYS written: the grader's own,
# or, if the grader itself could not finish, "not gradable" with the reason
# (no attempt is spent).
set -euo pipefail

ROOT="${D2L_CH6_GRADE_ROOT:-/grade}"
PY="${D2L_CH6_PYTHON:-/opt/d2l-ch6/venv/bin/python}"
RESULTS="$ROOT/results/results.json"

mkdir -p "$ROOT/results"
rm -f "$RESULTS"
status=0
timeout --kill-after=5 @TOTAL@ "$PY" -m d2l_ch6.grading.platforms.run prairielearn \
  --config "$ROOT/tests/config.json" --submission "$ROOT/student" \
  --results "$RESULTS" || status=$?
if [ ! -s "$RESULTS" ]; then
  if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    why="grading took more than @TOTAL@ s in all: make your file run faster"
  else
    why="the grader stopped with status $status"
  fi
  printf '{"gradable": false, "format_errors": ["%s. Submit again; if this message comes back, tell your teacher."]}\n' \
    "The autograder could not grade this submission ($why)" >"$RESULTS"
fi
