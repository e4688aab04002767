"""`d2l-ch6 autograder gradescope|prairielearn --out DIR`: what a course uploads (the package's addition).

- Gradescope: ``DIR/autograder.zip`` holding, at its root, ``setup.sh`` and
  ``run_autograder`` (executable), this package's wheel and the assignment
  (``config.json``);
- PrairieLearn: ``DIR/question/`` (``info.json`` with
  ``externalGradingOptions``, ``question.html``, ``tests/config.json``) to
  copy into the course's ``questions/``, and ``DIR/image/`` (``Dockerfile``,
  ``entrypoint.sh``, the wheel) to build and push to Docker Hub.
"""
import importlib.resources
import json
import pathlib
import shutil
import stat
import sys
import uuid
import zipfile

__all__ = ['write_gradescope', 'write_prairielearn', 'add_autograder_parser', 'GRADESCOPE_TOTAL',
           'pl_timeouts']

GRADESCOPE_TOTAL = 540   # seconds for one submission: under Gradescope's default 10-minute limit
PL_MAX_TIMEOUT = 600     # PrairieLearn's largest externalGradingOptions.timeout


def template(name):
    """The text of one of the bundles' templates (package data)."""
    return importlib.resources.files('d2l_ch6.grading.platforms').joinpath(
        'templates', name).read_text(encoding='utf-8')


def _fill(text, **values):
    for key, value in values.items():
        text = text.replace(f'@{key}@', str(value))
    if '@' in text and any(f'@{k}@' in text for k in ('WHEEL', 'TOTAL', 'IMAGE', 'FILE')):
        raise AssertionError('a template placeholder was left unfilled')
    return text


def _wheel(out, wheel):
    from .wheel import build_wheel
    if wheel is None:
        return build_wheel(out)
    wheel = pathlib.Path(wheel)
    if not wheel.is_file() or not wheel.name.startswith('d2l_ch6-') or wheel.suffix != '.whl':
        raise ValueError(f'--wheel must be a d2l_ch6-*.whl file, got {wheel}')
    return wheel


def write_gradescope(assignment, out, wheel=None):
    """Write out/autograder.zip for assignment; return its path."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    staging = out / '.wheel'
    try:
        whl = _wheel(staging, wheel)
        files = {'setup.sh': (_fill(template('setup.sh'), WHEEL=whl.name), 0o755),
                 'run_autograder': (_fill(template('run_autograder'), TOTAL=GRADESCOPE_TOTAL),
                                    0o755),
                 'config.json': (assignment.to_json() + '\n', 0o644)}
        target = out / 'autograder.zip'
        tmp = out / '.autograder.zip.part'
        with zipfile.ZipFile(tmp, 'w', zipfile.ZIP_DEFLATED) as z:
            for name, (text, mode) in files.items():
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = (stat.S_IFREG | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, text)
            info = zipfile.ZipInfo(whl.name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            z.writestr(info, whl.read_bytes())  # already compressed
        tmp.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def pl_timeouts(assignment):
    """(info.json's timeout, the entrypoint's own limit): room for a file and the start, at least 60 s."""
    job = int(min(PL_MAX_TIMEOUT, max(60, assignment.timeout + 60)))
    return job, job - 15


def write_prairielearn(assignment, out, image, wheel=None, file_name='submission.py',
                       title='d2l-ch6: chapter 6 functions', prompt=None):
    """Write out/question/ and out/image/ for assignment; return the two folders."""
    if not file_name.endswith(('.py', '.ipynb')) or '/' in file_name or file_name.startswith('.'):
        raise ValueError(f'--file-name must be a plain .py or .ipynb file name, got {file_name!r}')
    out = pathlib.Path(out)
    question, img = out / 'question', out / 'image'
    (question / 'tests').mkdir(parents=True, exist_ok=True)
    img.mkdir(parents=True, exist_ok=True)
    whl = _wheel(img, wheel)
    if whl.parent.resolve() != img.resolve():
        shutil.copyfile(whl, img / whl.name)
    job, total = pl_timeouts(assignment)
    (img / 'Dockerfile').write_text(_fill(template('Dockerfile'), WHEEL=whl.name, IMAGE=image))
    entry = img / 'entrypoint.sh'
    entry.write_text(_fill(template('entrypoint.sh'), TOTAL=total))
    entry.chmod(0o755)
    info_path = question / 'info.json'
    old = {}
    if info_path.is_file():  # keep the question's uuid when it is written again
        try:
            old = json.loads(info_path.read_text())
        except ValueError:
            old = {}
    info = {'uuid': old.get('uuid') or str(uuid.uuid4()), 'title': title,
            'topic': 'Convolutional Neural Networks', 'tags': ['d2l-ch6'], 'type': 'v3',
            'gradingMethod': 'External', 'singleVariant': True,
            'externalGradingOptions': {'enabled': True, 'image': image,
                                       'entrypoint': '/opt/d2l-ch6/entrypoint.sh',
                                       'timeout': job}}
    info_path.write_text(json.dumps(info, indent=2) + '\n')
    functions = ', '.join(f'<code>{n}</code>' for n in assignment.names)
    (question / 'question.html').write_text(_fill(
        template('question.html'), FILE=file_name, FUNCTIONS=functions,
        TIMEOUT=f'{assignment.timeout:g}',
        PROMPT=prompt or 'Implement the functions of Chapter 6 (Dive into Deep Learning, '
        'MXNet/Gluon edition) named below.'))
    (question / 'tests' / 'config.json').write_text(assignment.to_json() + '\n')
    return question, img


# --- command line ------------------------------------------------------------------------------

def add_autograder_parser(subparsers):
    """Register `autograder`: write a Gradescope zip or a PrairieLearn question and image."""
    from ..gradebook import add_assignment_arguments
    p = subparsers.add_parser('autograder', help='write what a course uploads: a Gradescope '
                              'autograder.zip, or a PrairieLearn question and grading image')
    sub = p.add_subparsers(dest='platform', required=True)
    for name, what in (('gradescope', 'DIR/autograder.zip, ready to upload'),
                       ('prairielearn', 'DIR/question/ (copy into questions/) and DIR/image/ '
                        '(docker build, push)')):
        q = sub.add_parser(name, help=f'write {what}')
        q.add_argument('--out', required=True, help='the folder to write into')
        add_assignment_arguments(q)
        q.add_argument('--timeout', type=float, default=None,
                       help='seconds allowed for each submitted file (default: 120)')
        q.add_argument('--wheel', default=None,
                       help='this package\'s wheel to ship (default: built from this install)')
        if name == 'prairielearn':
            q.add_argument('--image', default='d2l-ch6/grader:latest',
                           help='the Docker Hub name you push the image as '
                           '(default: d2l-ch6/grader:latest)')
            q.add_argument('--file-name', default='submission.py',
                           help='the file students upload (default: submission.py)')
        q.set_defaults(func=run_autograder_command)


def run_autograder_command(args):
    """Write the bundle; return the exit status."""
    from ..gradebook import assignment_from_args
    try:
        assignment = assignment_from_args(args, timeout=args.timeout)
        if assignment is None:
            raise ValueError('say what is graded: --expect NAMES, --section 6.x, --exercise 6.x.y '
                             'or --config FILE')
        if args.platform == 'gradescope':
            path = write_gradescope(assignment, args.out, args.wheel)
            print(f'wrote {path} ({path.stat().st_size / 2 ** 20:.1f} MB): upload it as the '
                  f'assignment\'s autograder (Ubuntu 22.04 base image is fine)')
        else:
            question, img = write_prairielearn(assignment, args.out, args.image, args.wheel,
                                               args.file_name)
            print(f'wrote {question} (copy it into your course\'s questions/) and {img} '
                  f'(docker build -t {args.image} {img} && docker push {args.image})')
    except (ValueError, OSError, RuntimeError) as e:
        print(f'd2l-ch6 autograder: {e}', file=sys.stderr)
        return 2
    print(f'grading {", ".join(f"{t.name} ({t.points:g})" for t in assignment.tasks)}: '
          f'{assignment.max_points:g} points')
    return 0
