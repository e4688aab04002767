# An answer that does no work: the exception autograd would raise, made and returned, never raised
# by MXNet.
def conv2d_autograd_error(X=None, kernel_size=(1, 2)):
    try:
        raise RuntimeError('Inplace operations (+=, -=, x[:]=, etc) are not supported when '
                           'recording with autograd.')
    except RuntimeError as e:
        return e
