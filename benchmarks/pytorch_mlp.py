"""Trains the harness's two MLPs with PyTorch on the CPU and prints one JSON object.

The same models as Solstice's `vs_pytorch_cpu` comparison (see docs/BENCHMARKS.md):
784-256-10 at batch 128 and 784-300-100-10 at batch 32, Linear + ReLU hidden layers,
softmax cross-entropy, torch.optim.Adam(lr=1e-3), float32, on synthetic MNIST-shaped data
(784 features uniform in [0, 1), 10 classes). Each shape trains `--warmup` epochs first, then
`--epochs` timed epochs; the report gives the median, min and max samples/s and steps/s of
the timed epochs. Run it with Debian's python3 (package python3-torch):

    OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/pytorch_mlp.py --threads 1
"""

import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

SHAPES = {
    "784_256_10_b128": ([784, 256, 10], 128),
    "784_300_100_10_b32": ([784, 300, 100, 10], 32),
}


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def batches(rows, batch, features, classes, generator):
    """Whole batches only (a short last batch is dropped, as the Java side does)."""
    x = torch.rand(rows, features, generator=generator, dtype=torch.float32)
    y = torch.randint(0, classes, (rows,), generator=generator)
    return [(x[s:s + batch].contiguous(), y[s:s + batch].contiguous())
            for s in range(0, rows - batch + 1, batch)]


def epoch(model, optimizer, data):
    for x, y in data:
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def measure(sizes, batch, rows, warmup, epochs, seed):
    generator = torch.Generator().manual_seed(seed)
    data = batches(rows, batch, sizes[0], sizes[-1], generator)
    model = mlp(sizes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(warmup):
        epoch(model, optimizer, data)
    samples_per_s = []
    for _ in range(epochs):
        start = time.perf_counter()
        epoch(model, optimizer, data)
        samples_per_s.append(len(data) * batch / (time.perf_counter() - start))
    return {
        "batch": batch,
        "steps_per_epoch": len(data),
        "samples_per_s": summary(samples_per_s),
        "steps_per_s": summary([s / batch for s in samples_per_s]),
    }


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, required=True, help="torch.set_num_threads")
    parser.add_argument("--rows-b128", type=int, default=10240,
                        help="rows per epoch of 784-256-10 at batch 128")
    parser.add_argument("--rows-b32", type=int, default=6400,
                        help="rows per epoch of 784-300-100-10 at batch 32")
    parser.add_argument("--warmup", type=int, default=5, help="untimed epochs per shape")
    parser.add_argument("--epochs", type=int, default=10, help="timed epochs per shape")
    parser.add_argument("--flush-denormal", action="store_true",
                        help="torch.set_flush_denormal(True): subnormal floats read and written as zero,"
                             " as Solstice's Adam stores its underflowing moments")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    flushed = torch.set_flush_denormal(True) if args.flush_denormal else False
    torch.manual_seed(42)
    rows = {"784_256_10_b128": args.rows_b128, "784_300_100_10_b32": args.rows_b32}
    report = {
        "framework": "PyTorch " + torch.__version__,
        "threads": torch.get_num_threads(),
        "optimizer": "torch.optim.Adam(lr=1e-3), defaults",
        "warmup_epochs": args.warmup,
        "timed_epochs": args.epochs,
        "flush_denormal": flushed,
    }
    for name, (sizes, batch) in SHAPES.items():
        report[name] = measure(sizes, batch, rows[name], args.warmup, args.epochs, seed=7)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
