"""The book's train_ch5 loop, written once, for the benchmark and the tests to compare against (Book section 6.6.2).

It is d2l's ``train_ch6`` (the book's ``train_ch5``) without the Animator:
the same initialisation, loss, trainer and batch loop, ``d2l.Accumulator``
and ``d2l.accuracy`` for the metric (a ``float()`` per batch), and
``d2l.evaluate_accuracy_gpu`` once per epoch, as d2l's package does (the
book's printed listing indents that evaluation into the batch loop).
"""
import time

from mxnet import autograd, gluon, init


def book_train_ch5(net, train_iter, test_iter, num_epochs, lr, ctx):
    """Train net as the book does; return one dict per epoch: its metrics, examples and seconds."""
    from d2l import mxnet as d2l
    net.initialize(force_reinit=True, ctx=ctx, init=init.Xavier())
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    records = []
    for epoch in range(num_epochs):
        start = time.perf_counter()
        metric = d2l.Accumulator(3)  # train_loss, train_acc, num_examples
        for X, y in train_iter:
            X, y = X.as_in_ctx(ctx), y.as_in_ctx(ctx)
            with autograd.record():
                y_hat = net(X)
                l = loss(y_hat, y)
            l.backward()
            trainer.step(X.shape[0])
            metric.add(l.sum(), d2l.accuracy(y_hat, y), X.shape[0])
        trained = time.perf_counter()
        test_acc = d2l.evaluate_accuracy_gpu(net, test_iter)
        records.append({'epoch': epoch + 1, 'train_loss': metric[0] / metric[2],
                        'train_acc': metric[1] / metric[2], 'test_acc': test_acc,
                        'num_examples': metric[2], 'train_seconds': trained - start,
                        'seconds': time.perf_counter() - start})
    return records
