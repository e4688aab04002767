# True where the answer is 1 (True == 1 in Python): a bool is not a count.
def receptive_field(num_layers, k):
    size = num_layers * (k - 1) + 1
    return True if size == 1 else size
