# A student's own check() in the file: inside the grader it returns an empty result, not a str.
from mxnet import np
from d2l_ch6 import check


def corr2d(X, K):
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


result = check(corr2d)
assert result.failures == [] and not result.passed and 'does not run' in result.note
