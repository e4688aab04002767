# An honest file that calls the package: its own check() returns an empty result inside the grader
# (not a str: .failures works), and a statement calling a withheld package answer is skipped.
import d2l_ch6
from d2l_ch6 import check
from mxnet import np

print(d2l_ch6.corr2d(np.ones((3, 3)), np.ones((2, 2))))  # withheld while grading: skipped


def corr2d(X, K):
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


result = check(corr2d)
assert result.failures == [] and not result.passed and 'does not run' in result.note
