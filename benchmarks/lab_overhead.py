"""What watching costs: the live lab's training speed against ``minigan train``'s, and how soon a
change shows (issue 21).

1. Throughput. The quick preset's WGAN-GP on the 8 Gaussians (64×3 networks, batch 256,
   n_critic 5, Adam 1e-3 constant) trained for N generator steps, alternately
   * by ``Run.fit`` as ``minigan train`` does (a history row with the exact W₁ on 1,000 points
     every 100 steps), and
   * by the lab: ``LabServer`` training in its thread, streaming frames to one client — a
     separate process reading ``/events`` and parsing every frame, as a browser would.
   Reported: generator steps per second (wall) and CPU seconds per step of the whole process
   (the lab's HTTP and frame threads included), median over the rounds. CPU per step is the
   number to trust on a shared machine; wall time moves with the neighbours.
2. Latency. While the lab plays, the client sends ``set gp_weight`` (alternating 0.2 and 0.1) and
   times each until the first frame showing the new value arrives: median and 90th percentile.

    python benchmarks/lab_overhead.py [--steps 300] [--rounds 3] [--samples 30]

Writes ``benchmarks/results/lab_overhead.md`` (and prints it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import cpu_model  # noqa: E402

from minigan import backend  # noqa: E402
from minigan.gan import TrainConfig  # noqa: E402
from minigan.gan.trainer import Run  # noqa: E402
from minigan.lab import LabServer, LabSession  # noqa: E402
from minigan.lab.presets import PRESETS  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "lab_overhead.md"

# The client: a separate process, as a browser is. "watch" reads and parses every frame until
# stdin closes; "latency K" also sends K settings and prints the seconds until each shows.
CLIENT = textwrap.dedent("""
    import json, sys, threading, time, urllib.request
    base, token, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    frames, lock = [], threading.Condition()
    def read():
        with urllib.request.urlopen(f"{base}/events?token={token}", timeout=600) as stream:
            for line in stream:
                if line.startswith(b"data: "):
                    frame = json.loads(line[6:])
                    with lock:
                        frames.append((time.perf_counter(), frame["applied"], frame["settings"]["gp_weight"]))
                        lock.notify_all()
    threading.Thread(target=read, daemon=True).start()
    with lock:
        lock.wait_for(lambda: frames, timeout=120)
    print("ready", flush=True)
    def post(command):
        request = urllib.request.Request(f"{base}/command?token={token}", data=json.dumps(command).encode(),
                                         method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
    if mode == "watch":
        sys.stdin.read()
        print(json.dumps({"frames": len(frames)}), flush=True)
    else:
        latencies = []
        for k in range(int(sys.argv[4])):
            time.sleep(0.3)
            value = 0.2 if k % 2 == 0 else 0.1
            sent = time.perf_counter()
            reply = post({"action": "set", "settings": {"gp_weight": value}})
            with lock:
                lock.wait_for(lambda: any(a >= reply["id"] and g == value for _, a, g in frames[-50:]), timeout=60)
                shown = next(t for t, a, g in frames if a >= reply["id"] and g == value)
            latencies.append(shown - sent)
        print(json.dumps({"latencies": latencies, "frames": len(frames)}), flush=True)
""")


def lab_config() -> dict:
    return PRESETS["quick"].config_values()


def train_round(steps: int, log_every: int = 100) -> tuple[float, float]:
    """(steps per second, CPU seconds per step) of Run.fit as `minigan train` runs it (a history row
    every 100 steps); ``log_every=steps``: the bare trainer, logging only at the start and the end."""
    config = TrainConfig(**{**lab_config(), "steps": steps, "log_every": log_every})
    run = Run.start(config)
    wall, cpu = time.perf_counter(), time.process_time()
    run.fit()
    return steps / (time.perf_counter() - wall), (time.process_time() - cpu) / steps


def _client(lab: LabServer, *arguments: str) -> subprocess.Popen:
    client = subprocess.Popen([sys.executable, "-c", CLIENT, f"http://127.0.0.1:{lab.port}", lab.token, *arguments],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert client.stdout.readline().strip() == "ready"
    return client


def _post(lab: LabServer, command: dict) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{lab.port}/command?token={lab.token}",
                                     data=json.dumps(command).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def lab_round(steps: int) -> tuple[float, float, float, int]:
    """(steps per second, CPU s per step, share of time making frames, frames received) in the lab."""
    session = LabSession("quick")
    with LabServer(session) as lab:
        client = _client(lab, "watch")
        frame_seconds = lab.frame_seconds
        wall, cpu = time.perf_counter(), time.process_time()
        _post(lab, {"action": "play"})
        while session.step < steps:
            time.sleep(0.02)
        elapsed, used = time.perf_counter() - wall, time.process_time() - cpu
        done = session.step
        _post(lab, {"action": "pause"})
        share = (lab.frame_seconds - frame_seconds) / elapsed
        out, _ = client.communicate("", timeout=60)
    return done / elapsed, used / done, share, json.loads(out)["frames"]


def latency(samples: int) -> list[float]:
    session = LabSession("quick")
    with LabServer(session) as lab:
        _post(lab, {"action": "play"})
        client = _client(lab, "latency", str(samples))
        out, _ = client.communicate(timeout=600)
    return json.loads(out)["latencies"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=30)
    arguments = parser.parse_args()
    backend.set_num_threads(1)  # what `minigan lab` does for networks this small
    train_rows, bare_rows, lab_rows = [], [], []
    load_before = os.getloadavg()
    for _ in range(arguments.rounds):  # alternate, so drift in the machine's load hits both alike
        train_rows.append(train_round(arguments.steps))
        bare_rows.append(train_round(arguments.steps, log_every=arguments.steps))
        lab_rows.append(lab_round(arguments.steps))
        print("train", train_rows[-1], "bare", bare_rows[-1], "lab", lab_rows[-1], flush=True)
    latencies = sorted(latency(arguments.samples))
    load_after = os.getloadavg()
    train_rate = statistics.median(r[0] for r in train_rows)
    train_cpu = statistics.median(r[1] for r in train_rows)
    bare_rate = statistics.median(r[0] for r in bare_rows)
    bare_cpu = statistics.median(r[1] for r in bare_rows)
    lab_rate = statistics.median(r[0] for r in lab_rows)
    lab_cpu = statistics.median(r[1] for r in lab_rows)
    share = statistics.median(r[2] for r in lab_rows)
    frames = statistics.median(r[3] for r in lab_rows)
    p90 = latencies[min(len(latencies) - 1, int(0.9 * len(latencies)))]
    import numpy

    versus_train, versus_bare = lab_cpu / train_cpu, lab_cpu / bare_cpu
    text = f"""# The live lab's overhead (benchmarks/lab_overhead.py)

Machine: {cpu_model()}, {os.cpu_count()} logical cores; NumPy {numpy.__version__}; one BLAS thread.
**The machine was shared** while this ran (load average {load_before[0]:.1f} before, {load_after[0]:.1f} after,
on {os.cpu_count()} cores): wall times are inflated and noisy; CPU seconds per step are the fairer comparison.

Settings: the lab's quick preset — WGAN-GP on the 8 Gaussians, 64×3 ReLU networks, batch 256,
n_critic 5, Adam 1e-3 constant; {arguments.steps} generator steps per round, {arguments.rounds} rounds alternating,
medians shown. `minigan train` = `Run.fit` logging a history row (exact W₁ on 1,000 points) every 100
steps; the lab = `LabServer` training in its thread and streaming every frame to one client process
that parses it.

| | steps/s (wall) | CPU ms per step (whole process) | lab ÷ this, CPU per step |
|---|---:|---:|---:|
| `minigan train` (a history row every 100 steps) | {train_rate:.1f} | {1000 * train_cpu:.1f} | {versus_train:.2f} |
| the bare trainer (`Run.fit`, logging at the ends) | {bare_rate:.1f} | {1000 * bare_cpu:.1f} | {versus_bare:.2f} |
| `minigan lab`, streaming to one client | {lab_rate:.1f} | {1000 * lab_cpu:.1f} | 1 |

Frames: {frames:.0f} received per round ({frames / (arguments.steps / lab_rate):.1f} per second); the training
thread spent {100 * share:.0f} % of the wall time making them (the budget: 20 %; the bound: 25 %).

Latency from a `set` of `gp_weight` to the first frame showing it ({len(latencies)} changes while
playing, measured in the client): median **{1000 * statistics.median(latencies):.0f} ms**, 90th percentile
**{1000 * p90:.0f} ms** (target ≤ 200 ms). A command waits for the step in progress to end (commands
apply only between steps), then gets a frame at once.
"""
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
