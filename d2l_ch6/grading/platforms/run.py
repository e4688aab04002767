"""Grade one platform submission and ALWAYS write a valid results file (run_autograder and the entrypoint call it).

    python -m d2l_ch6.grading.platforms.run gradescope|prairielearn \\
        --config ASSIGNMENT.json --submission DIR --results FILE

Whatever the submission does (crashes, hangs, prints forever, defines
nothing, cheats), the results file is written, atomically: a score with
messages a student can act on, or score 0 (Gradescope) / not gradable
(PrairieLearn) saying why. Exit status 0 when a results file was written.
"""
import argparse
import json
import pathlib
import sys
import time

__all__ = ['grade_submission', 'main']


def grade_submission(platform, assignment, submission, jobs=1):
    """Return the platform's results dict for the .py/.ipynb files under submission."""
    from ..cli import expand, grade_files
    from ..gradebook import score_student
    from ..sandbox import Sandbox
    from . import results as R
    start = time.perf_counter()
    files = expand([submission]) if pathlib.Path(submission).is_dir() else []
    sandbox, platform_only = Sandbox(), ''
    if sandbox.refusal() is not None:
        # The platform gives each submission a container of its own (a fresh one per grading
        # job); without root and namespaces inside it, that container is the only confinement.
        sandbox = Sandbox(trusted=True)
        platform_only = 'the platform\'s container of this submission only; '
    graded = (grade_files([submission], assignment.timeout, jobs=jobs, sandbox=sandbox)
              if files else [])
    student = score_student(assignment, str(submission), graded)
    isolation = platform_only + sandbox.in_force()
    if platform == 'gradescope':
        return R.gradescope(assignment, student, isolation, time.perf_counter() - start)
    return R.prairielearn(assignment, student, isolation)


def _write(path, data):
    from ..cli import atomic_write
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(data, indent=1))


def main(argv=None):
    """Grade, write the results file whatever happens; return 0 once it is written."""
    p = argparse.ArgumentParser(prog='python -m d2l_ch6.grading.platforms.run')
    p.add_argument('platform', choices=('gradescope', 'prairielearn'))
    p.add_argument('--config', required=True, help='the assignment (config.json)')
    p.add_argument('--submission', required=True, help='the folder of the student\'s files')
    p.add_argument('--results', required=True, help='the results.json to write')
    p.add_argument('--jobs', type=int, default=1, help='files graded at once (default: 1)')
    args = p.parse_args(argv)
    from . import results as R
    fail = R.gradescope_failure if args.platform == 'gradescope' else R.prairielearn_failure
    try:
        from ..gradebook import Assignment
        try:
            assignment = Assignment.load(args.config)
        except (OSError, ValueError) as e:
            data = fail(f'the autograder\'s configuration {args.config} is broken: {e}')
        else:
            data = grade_submission(args.platform, assignment, args.submission, args.jobs)
    except KeyboardInterrupt:
        data = fail('stopped')
    except BaseException as e:  # the results file must be written, whatever failed
        data = fail(f'internal error: {type(e).__name__}: {e}'[:300])
    _write(args.results, data)
    return 0


if __name__ == '__main__':
    sys.exit(main())
