"""benchmarks/improve_lenet.py and the recorded runs the 6.6 notebook shows."""
import json
import pathlib
import sys

import matplotlib
import pytest

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from mxnet import np

from d2l_ch6 import notebook_helpers
from d2l_ch6.lenet import lenet, lenet_improved, lenet_max

BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / 'benchmarks'
sys.path.insert(0, str(BENCHMARKS))
import improve_lenet  # noqa: E402


def test_the_script_builds_the_packages_networks():
    """The walk's ends and the pooling variant are exactly lenet, lenet_max and lenet_improved."""
    for name, make in (('book', lenet), ('book-max', lenet_max), ('improved', lenet_improved)):
        assert str(improve_lenet.build(improve_lenet.VARIANTS[name]['spec'])) == str(make())


@pytest.mark.parametrize('name', list(improve_lenet.VARIANTS))
def test_every_variant_takes_a_fashion_mnist_batch(name):
    net = improve_lenet.build(improve_lenet.VARIANTS[name]['spec'])
    net.initialize()
    assert net(np.zeros((2, 1, 28, 28))).shape == (2, 10)


def test_a_tiny_run_is_saved_and_not_repeated(tmp_path, capsys):
    out = tmp_path / 'runs.json'
    args = ['--variants', 'book', 'init-normal', '--seeds', '0', '--epochs', '1',
            '--limit', '512', '--out', str(out)]
    assert improve_lenet.main(args) == 0
    runs = json.loads(out.read_text())['runs']
    assert [(r['variant'], r['seed'], r['num_train'], len(r['history'])) for r in runs] == \
        [('book', 0, 512, 1), ('init-normal', 0, 512, 1)]
    assert runs[0]['start']['epoch'] == 0 and runs[0]['cpu'].startswith('CPU: ')
    assert runs[0]['test_acc'] == runs[0]['history'][-1]['test_acc']
    capsys.readouterr()
    improve_lenet.main(args)                        # both already there: nothing trained
    assert 'seed 0: test acc' not in capsys.readouterr().out
    assert len(json.loads(out.read_text())['runs']) == 2


def test_recorded_runs_cover_the_variants_the_notebook_shows():
    """The committed results: every variant on seeds 0 and 1; 6.6's curves on 0, 1, 2, from epoch 0."""
    runs = notebook_helpers.recorded_runs('improve_lenet')
    full = [r for r in runs if r['num_train'] == 60000 and r['epochs'] == 10]
    seeds = {}
    for r in full:
        seeds.setdefault(r['variant'], set()).add(r['seed'])
    drawn = ('book', 'book-max', 'improved')        # 6.6 plots these from the untrained net
    assert seeds == {name: ({0, 1, 2} if name in drawn else {0, 1})
                     for name in improve_lenet.VARIANTS}
    assert all((r.get('start') or {}).get('epoch') == 0 for r in full if r['variant'] in drawn)


def test_recorded_runs_names_the_missing_file(monkeypatch, tmp_path):
    monkeypatch.setattr(notebook_helpers, 'RESULTS_DIR', tmp_path)
    with pytest.raises(FileNotFoundError, match=r'improve_lenet\.json is missing.*'
                                                r'benchmarks/improve_lenet\.py'):
        notebook_helpers.recorded_runs('improve_lenet')


def run(variant, seed, acc, lr=0.1, schedule=None):
    epochs = [{'epoch': e, 'test_acc': acc * e / 2} for e in (1, 2)]
    return {'variant': variant, 'seed': seed, 'test_acc': acc, 'lr': lr, 'schedule': schedule,
            'description': f'about {variant}', 'history': epochs,
            'start': {'epoch': 0, 'test_acc': 0.1} if seed else None}


def test_seeds_table():
    runs = [run('b', 1, 0.8), run('a', 0, 0.5, 0.9), run('b', 0, 0.7, schedule='cosine'),
            run('a', 1, 0.6, 0.9)]
    table = notebook_helpers.seeds_table(runs, ['b', 'a'])
    assert list(table.index) == ['b', 'a']
    assert list(table.columns) == ['what changes', 'lr', 'seed 0', 'seed 1', 'mean']
    assert table.loc['b'].tolist() == ['about b', '0.1, cosine', 0.7, 0.8, 0.75]
    assert table.loc['a'].tolist() == ['about a', '0.9', 0.5, 0.6, 0.55]
    three = notebook_helpers.seeds_table(runs + [run('a', 2, 0.7, 0.9)], ['a', 'b'])
    assert three.loc['a', 'seed 2'] == 0.7 and three.loc['b', 'seed 2'] == ''
    assert three.loc['a', 'mean'] == 0.6
    with pytest.raises(ValueError, match='got none for c'):
        notebook_helpers.seeds_table(runs, ['a', 'c'])


def test_plot_seeds():
    runs = [run('b', 1, 0.8), run('a', 0, 0.5), run('b', 0, 0.7)]
    ax = notebook_helpers.plot_seeds(runs, ['b', 'a'])
    lines = ax.get_lines()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ['b', 'a']
    assert len(lines) == 3
    assert lines[0].get_xdata().tolist() == [1, 2] and lines[0].get_ydata().tolist() == [0.35, 0.7]
    assert lines[1].get_xdata().tolist() == [0, 1, 2]          # seed 1 recorded its start
    assert lines[1].get_ydata().tolist() == [0.1, 0.4, 0.8]
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    assert (ax.get_xlabel(), ax.get_ylabel()) == ('epoch', 'test acc')
    with pytest.raises(ValueError, match='got none for c'):
        notebook_helpers.plot_seeds(runs, ['c'])
    plt.close('all')


def test_the_grading_benchmarks_class_is_fifteen_files_that_run_to_their_end(tmp_path):
    """bench_grading.py times the grader on 15 files, none of which costs a timeout on purpose."""
    import bench_grading
    folder, names = bench_grading.make_fifteen(tmp_path)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob('*') if p.is_file())
    assert files == sorted(names) and len(names) == 15
    assert not [n for n in names if 'hang' in n or 'forever' in n or 'link' in n]
    assert {n.rsplit('.', 1)[1].lower() for n in names} >= {'py'}
