"""The graded names: the book's helpers and each computable exercise's functions (the package's addition).

Names only, no case: the grader's child imports this to know what to look
for in a submission.
"""
__all__ = ['BOOK_TARGETS', 'EXERCISES', 'ALIASES', 'TARGETS', 'BOOK_SECTION', 'exercise_of']

# The book's helpers check() knows by name, then every exercise function.
BOOK_TARGETS = ['corr2d', 'Conv2D', 'comp_conv2d', 'corr2d_multi_in', 'corr2d_multi_in_out',
                'corr2d_multi_in_out_1x1', 'pool2d', 'net', 'evaluate_accuracy_gpu']

# Exercise number -> the functions that answer it, the first one its default.
EXERCISES = {
    '6.1.1': ['conv1x1_as_dense'],
    '6.1.2': ['translate'],
    '6.1.3': ['corr2d_same', 'pad_zeros'],
    '6.1.4': ['corr1d'],
    '6.1.5': ['receptive_field'],
    '6.1.6': ['conv2d_full'],
    '6.2.1': ['diagonal_edge_maps', 'diagonal_image'],
    '6.2.2': ['conv2d_autograd_error'],
    '6.2.3': ['corr2d_matmul', 'im2col', 'kernel_matrix'],
    '6.2.4': ['derivative_kernel', 'second_derivative_kernel', 'laplacian_kernel',
              'integral_kernel', 'running_integral', 'min_derivative_kernel_size'],
    '6.3.1': ['last_example_output_shape'],
    '6.3.2': ['conv_output_shape'],
    '6.3.3': ['conv1d_strided'],
    '6.3.4': ['conv_cost'],
    '6.4.1': ['compose_kernels'],
    '6.4.2': ['conv_forward_cost', 'conv_backward_cost', 'conv_memory'],
    '6.4.3': ['conv_cost_growth'],
    '6.4.4': ['conv1x1_cost'],
    '6.4.5': ['compare_1x1'],
    '6.4.6': ['conv2d_matmul', 'im2col_multi'],
    '6.5.1': ['avg_pool_as_conv'],
    '6.5.2': ['max_pool_from_conv_relu'],
    '6.5.3': ['pool_cost'],
    '6.5.4': ['max_vs_avg_pooling'],
    '6.5.5': ['min_pool2d'],
    '6.5.6': ['lse_pool2d'],
    '6.6.1': ['lenet_max'],
    '6.6.4': ['conv_activations'],
}

# Other names a student may give a target: the book builds LeNet as `net`, the package as lenet().
ALIASES = {'lenet': 'net'}

TARGETS = BOOK_TARGETS + [n for names in EXERCISES.values() for n in names]

# The section where the book writes each helper; exercise functions belong to their exercise's.
BOOK_SECTION = {'corr2d': '6.2', 'Conv2D': '6.2', 'comp_conv2d': '6.3', 'corr2d_multi_in': '6.4',
                'corr2d_multi_in_out': '6.4', 'corr2d_multi_in_out_1x1': '6.4', 'pool2d': '6.5',
                'net': '6.6', 'lenet': '6.6', 'evaluate_accuracy_gpu': '6.6'}


def exercise_of(name):
    """Return the exercise number a function answers ('6.1.3'), or None for a book helper."""
    for number, names in EXERCISES.items():
        if name in names:
            return number
    return None
