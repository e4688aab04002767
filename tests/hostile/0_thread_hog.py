# Hold as many threads as the process limit allows, for 20 s, while 0_threads_neighbour.py runs.
import threading
import time

threads = []
for _ in range(2000):
    try:
        t = threading.Thread(target=time.sleep, args=(20,), daemon=True)
        t.start()
        threads.append(t)
    except RuntimeError:
        break
time.sleep(20)
