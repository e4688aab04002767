# Fill every place it can write with 64 MiB files; say how much it wrote.
import os

total = 0
chunk = b'x' * 2 ** 20
for n, place in enumerate(('.', os.path.expanduser('~'), '/tmp', '/var/tmp', '/dev/shm', '/run/lock')):
    for i in range(10):
        try:
            with open(os.path.join(place, f'fill-{n}-{i}'), 'wb') as f:
                for _ in range(64):
                    f.write(chunk)
                    total += len(chunk)
        except OSError:
            break
raise SystemExit(f'wrote {total // 2 ** 20} MiB')
