# An honest file graded beside 0_thread_hog.py: while the hog holds every thread its user may
# have, this one starts eight of its own (it has its own user, so its own limit).
import time
from concurrent.futures import ThreadPoolExecutor

from mxnet import np

time.sleep(5)
with ThreadPoolExecutor(8) as pool:
    assert list(pool.map(abs, range(-4, 4))) == [4, 3, 2, 1, 0, 1, 2, 3]


def corr2d(X, K):
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
