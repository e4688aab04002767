# Call the package's siblings of a graded function: another name for the same answer.
import d2l_ch6


def corr2d(X, K):
    return d2l_ch6.corr2d_matmul(X, K)


def corr2d_multi_in_out(X, K):
    return d2l_ch6.corr2d_multi_in_out_fast(X, K)


def pool2d(X, pool_size, mode='max'):
    return d2l_ch6.pool2d_fast(X, pool_size, mode)


def min_pool2d(X, pool_size, strides=None, padding=0):
    return -d2l_ch6.max_pool_from_conv_relu(-X, pool_size, strides, padding)


def net():
    return d2l_ch6.get_model('lenet')
