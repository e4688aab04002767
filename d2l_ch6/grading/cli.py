"""`d2l-ch6 check`: grade students' notebooks and scripts, one confined process each (the package's addition).

This module parses the command line, prints each file as it finishes and
writes the reports; the grading itself is ``parent`` (one child per file,
confined by ``sandbox``, its results judged in the teacher's process). A
file that crashes, hangs or prints without end is recorded as such and the
next file runs. Nothing is fetched from the network.

Exit status: 0 when every function of every file passes, 1 when any fails
(or a file defines nothing to check), 2 when a file cannot run or the
grading cannot start, 130 when stopped (Ctrl-C, SIGTERM, SIGHUP).
"""
import argparse
import csv
import json
import os
import pathlib
import sys
import tempfile

from .gradebook import neutral
from .parent import (DEFAULT_TIMEOUT, MAX_OUTPUT, SUFFIXES, FileResult, Stopped,  # noqa: F401
                     _parse_results, check_timeout, expand, grade_file, grade_files, stop_all)

__all__ = ['FileResult', 'grade_file', 'grade_files', 'expand', 'add_check_parser',
           'run_check_command']


def exit_code(results):
    """2 if a file could not run, else 1 if anything failed, else 0."""
    if any(not r.ran for r in results):
        return 2
    return 0 if results and all(r.passed for r in results) else 1


def report_rows(results):
    """One row per file x function (or one per file that did not run or defines nothing).

    passed and cases count the required cases; advice is named in detail when nothing fails.
    """
    rows = []
    for r in results:
        if not r.ran or not r.results:
            rows.append({'file': r.path, 'function': '', 'exercise': '', 'status': r.status
                         if not r.ran else 'nothing to check', 'passed': 0, 'cases': 0,
                         'seconds': round(r.seconds, 1), 'detail': r.message})
            continue
        for c in r.results:
            failing = [x for x in c.required if not x.passed]
            detail = ''
            if failing:
                detail = f'{failing[0].case}: {failing[0].hint or failing[0].got}'
            elif c.advice:
                detail = 'advice ({}): {}'.format(*c.advice[0])
            rows.append({'file': r.path, 'function': c.name, 'exercise': c.exercise or '',
                         'status': 'pass' if c.passed else 'fail',
                         'passed': c.n_passed, 'cases': len(c.required),
                         'seconds': round(r.seconds, 1), 'detail': detail})
    return rows


def safe(text):
    """A file name or message printable on one console line: control characters escaped."""
    return ''.join(c if c.isprintable() else ascii(c)[1:-1] for c in str(text))


def format_file(result):
    """Text lines for one file: its status, one line per function, then its details."""
    from .reports import function_lines
    lines = [f'{safe(result.path)}: {result.status}'
             + (f' ({safe(result.message)})' if result.message else '')
             + f'  [{result.seconds:.1f} s]']
    for c in result.results:
        lines.append(f"  {'PASS' if c.passed else 'FAIL'} {c.what} ({c.n_passed}/{len(c.required)})")
        lines.extend('       ' + safe(line) for line in function_lines(c))
    return '\n'.join(lines)


# --- command line ----------------------------------------------------------------------------

def add_check_parser(subparsers):
    """Register `check`: grade notebooks and scripts against the package's cases."""
    p = subparsers.add_parser(
        'check', help='check students\' notebooks (.ipynb) or scripts (.py): every function with '
        'a book name or an exercise function\'s name is run on the package\'s cases')
    p.add_argument('files', nargs='+', metavar='FILE',
                   help='.ipynb or .py files, or folders of them (a teacher\'s submissions)')
    p.add_argument('--timeout', type=float, default=DEFAULT_TIMEOUT,
                   help=f'seconds allowed for each file (default: {DEFAULT_TIMEOUT})')
    p.add_argument('--report', metavar='CSV', default=None,
                   help='write one row per file and function to this CSV file (default: none)')
    p.add_argument('--json', metavar='JSON', default=None,
                   help='write every file\'s full results to this JSON file (default: none)')
    p.add_argument('--html', metavar='HTML', default=None,
                   help='write the class report (pass rates, common mistakes, a student x '
                   'function grid, files that could not run) to this HTML file (default: none)')
    p.add_argument('--format', choices=('gradescope', 'prairielearn'), default=None,
                   help='also write a platform\'s results.json for one student\'s files '
                   '(to --results)')
    p.add_argument('--results', metavar='JSON', default=None,
                   help='where --format writes (default: results.json)')
    p.add_argument('--expect', metavar='NAMES', default=None,
                   help='comma-separated functions a submission must define (a missing one '
                   'scores 0 in --format; default: those it defines)')
    p.add_argument('--jobs', type=int, default=None,
                   help='files graded at once (default: the number of cores)')
    from .gradebook import add_assignment_arguments
    add_assignment_arguments(p, expect=False)
    p.add_argument('--gradebook', metavar='CSV', default=None,
                   help='write one row per student (a file, or a folder of files) with score, '
                   'maximum and percentage under the same points as the platforms; needs '
                   '--expect, --section, --exercise or --config (default: none)')
    p.add_argument('--trusted', action='store_true',
                   help='grade even where the students\' code cannot be confined (not root, no '
                   'namespaces): only for files you trust')
    p.set_defaults(func=run_check_command)


def _check_output(path, what):
    """Raise ValueError unless path can be written: its folder exists and is writable, it is no folder."""
    if path is None:
        return
    p = pathlib.Path(path)
    folder = p.parent if str(p.parent) else pathlib.Path('.')
    if p.is_dir():
        raise ValueError(f'{what} must be a file path, got the folder {safe(path)}')
    if not folder.is_dir():
        raise ValueError(f'{what}: the folder {safe(folder)} does not exist')
    if not os.access(folder, os.W_OK):
        raise ValueError(f'{what}: the folder {safe(folder)} cannot be written')


def atomic_write(path, text):
    """Write text to path through a temporary file and a rename: the old file stays whole on failure."""
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.', dir=str(path.parent or '.'))
    try:
        with os.fdopen(fd, 'w', encoding='utf-8', errors='backslashreplace', newline='') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def csv_text(results):
    import io
    rows = report_rows(results)
    out = io.StringIO()
    fields = ['file', 'function', 'exercise', 'status', 'passed', 'cases', 'seconds', 'detail']
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutral(v) for k, v in row.items()})
    return out.getvalue()


class _Reports:
    """The report files, rewritten whole (atomically) after every finished file."""

    def __init__(self, args, header):
        self.args, self.header, self.done, self.error, self.written = args, header, [], None, 0
        self.expect = [n.strip() for n in (getattr(args, 'expect', None) or '').split(',')
                       if n.strip()]

    def add(self, result):
        self.done.append(result)
        self.done.sort(key=lambda r: r.path)
        self.write()

    def texts(self):
        """[(path, text)] of every report asked for, from the same results."""
        out = []
        if self.args.report:
            out.append((self.args.report, csv_text(self.done)))
        if self.args.json:
            out.append((self.args.json, json.dumps(
                {'isolation': self.header, 'files': [r.to_dict() for r in self.done]},
                indent=1)))
        assignment = getattr(self.args, 'assignment', None)
        if getattr(self.args, 'html', None):
            from .reports import html_report
            out.append((self.args.html, html_report(self.done, self.header, assignment=assignment,
                                                    paths=self.args.files)))
        if getattr(self.args, 'format', None):
            from . import reports
            make = reports.gradescope if self.args.format == 'gradescope' else reports.prairielearn
            out.append((self.args.results or 'results.json',
                        json.dumps(make(self.done, self.header, self.expect, assignment), indent=1)))
        return out

    def write(self):
        """Rewrite every report, all or none: on a failure the previous copies stay, agreeing."""
        try:
            write_together(self.texts())
            self.error, self.written = None, len(self.done)
        except OSError as e:
            if self.error is None:
                print(f'd2l-ch6 check: cannot write the reports ({e.strerror}); grading goes on, '
                      f'and they are written again after the next file', file=sys.stderr)
            self.error = e


def write_together(items):
    """Write each (path, text) to a temporary file beside it, then rename them all: all or none."""
    temps = []
    try:
        for path, text in items:
            path = pathlib.Path(path)
            fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.', dir=str(path.parent or '.'))
            temps.append((tmp, path))
            with os.fdopen(fd, 'w', encoding='utf-8', errors='backslashreplace', newline='') as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
        for tmp, path in temps:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise


def run_check_command(args):
    """Grade the files, print each as it finishes, write the reports as they grow; return the exit status."""
    from .sandbox import Sandbox
    for stream in (sys.stdout, sys.stderr):  # a lone surrogate (a student's message, a file name) is
        if hasattr(stream, 'reconfigure'):   # printed escaped, never a UnicodeEncodeError that ends the run
            stream.reconfigure(errors='backslashreplace')
    try:
        check_timeout(args.timeout)  # TypeError cannot come: argparse gives a float
        if args.jobs is not None and args.jobs < 1:
            raise ValueError(f'--jobs must be at least 1, got {args.jobs}')
        _check_output(args.report, '--report')
        _check_output(args.json, '--json')
        _check_output(getattr(args, 'html', None), '--html')
        if getattr(args, 'format', None):
            results_path = pathlib.Path(args.results or 'results.json')
            if not results_path.is_dir():  # PrairieLearn does not create /grade/results
                results_path.parent.mkdir(parents=True, exist_ok=True)
            _check_output(results_path, '--results')
        from .cases import TARGETS
        unknown = [n for n in (getattr(args, 'expect', None) or '').split(',')
                   if n.strip() and n.strip() not in TARGETS]
        if unknown:
            raise ValueError(f'--expect: unknown function(s) {", ".join(map(safe, unknown))}; '
                             f'graded are {", ".join(TARGETS)}')
        from .gradebook import assignment_from_args
        args.assignment = assignment_from_args(args)
        if getattr(args, 'gradebook', None):
            _check_output(args.gradebook, '--gradebook')
            if args.assignment is None:
                raise ValueError('--gradebook needs what is graded, the same for every student: '
                                 '--expect NAMES, --section 6.x, --exercise 6.x.y or --config FILE')
    except OSError as e:
        print(f'd2l-ch6 check: --results: cannot create its folder ({e.strerror})', file=sys.stderr)
        return 2
    except ValueError as e:
        print(f'd2l-ch6 check: {e}', file=sys.stderr)
        return 2
    sandbox = Sandbox(trusted=getattr(args, 'trusted', False))
    if sandbox.refusal():
        print(f'd2l-ch6 check: {sandbox.refusal()}', file=sys.stderr)
        return 2
    header = sandbox.in_force()
    print(f'isolation: {header}', flush=True)
    reports = _Reports(args, header)

    def finished(result):
        print(format_file(result), flush=True)
        reports.add(result)

    jobs = args.jobs or os.cpu_count() or 1
    try:
        results = grade_files(args.files, args.timeout, on_result=finished, jobs=jobs,
                              sandbox=sandbox)
    except KeyboardInterrupt as e:
        how = f'{e}' if isinstance(e, Stopped) else 'Ctrl-C'
        print(f'\nd2l-ch6 check: stopped by {how}; every student process ended; '
              f'{reports.written} graded file(s) are in the reports', file=sys.stderr)
        return 130
    except ValueError as e:
        print(f'd2l-ch6 check: {e}', file=sys.stderr)
        return 2
    if not results:
        print('d2l-ch6 check: no .py or .ipynb file found', file=sys.stderr)
        return 2
    if reports.error is not None:
        print(f'\nd2l-ch6 check: cannot write the reports ({reports.error.strerror}): the last '
              f'whole copy holds {reports.written} of {len(results)} file(s)', file=sys.stderr)
        return 2
    code = exit_code(results)
    if getattr(args, 'gradebook', None):
        _write_gradebook(args, results)
    graded = sum(r.ran for r in results)
    print(f'\n{len(results)} file(s): {graded} graded, {sum(r.passed for r in results)} all passing, '
          f'{len(results) - graded} could not run')
    return code


def _write_gradebook(args, results):
    """Write --gradebook and print the class's scores."""
    from .gradebook import gradebook_csv, score_class
    students = score_class(args.assignment, args.files, results)
    atomic_write(args.gradebook, gradebook_csv(args.assignment, students))
    print(f'gradebook: {len(students)} student(s), out of {args.assignment.max_points:g} points '
          f'each, in {safe(args.gradebook)}')


if __name__ == '__main__':
    parser = argparse.ArgumentParser(prog='d2l-ch6')
    add_check_parser(parser.add_subparsers(dest='command', required=True))
    ns = parser.parse_args()
    sys.exit(ns.func(ns))
