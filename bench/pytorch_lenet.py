"""The same improved LeNet-5 in PyTorch, timed on the same MNIST images: the reference for `npm run bench`.

Usage: /usr/bin/python3 bench/pytorch_lenet.py IDX_DIR STEPS THREADS [REPS]
Prints one JSON object: images per second (best of REPS timed passes of STEPS steps) and the
projected seconds per 60000-image epoch.
Only a benchmark reference: nothing in lenet depends on PyTorch.
"""
import json
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


class LeNet(nn.Module):
    """conv 6@5x5 → relu → pool 2 → conv 16@5x5 → tanh → pool 2 → dense 120 → relu → dense 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 6 * 6, 120)
        self.fc2 = nn.Linear(120, 10)

    def forward(self, x):
        x = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = F.max_pool2d(torch.tanh(self.conv2(x)), 2)
        x = torch.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


def main():
    idx_dir, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    images = read_idx(f"{idx_dir}/train-images-idx3-ubyte")[: steps * 50 + 500].float().div(255).unsqueeze(1)
    labels = read_idx(f"{idx_dir}/train-labels-idx1-ubyte")[: images.shape[0]].long()
    images = F.interpolate(images, size=(36, 36), mode="bilinear", align_corners=False)
    model = LeNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, eps=1e-7)

    def step(i):
        x = images[i * 50:(i + 1) * 50]
        y = labels[i * 50:(i + 1) * 50]
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(10):
        step(i)
    passes = []
    for _ in range(reps):
        start = time.perf_counter()
        for i in range(steps):
            step(i)
        passes.append(steps * 50 / (time.perf_counter() - start))
    ips = max(passes)
    print(json.dumps({"torch": torch.__version__, "threads": threads, "steps": steps, "passes": passes,
                      "images_per_second": ips, "seconds_per_epoch": 60000 / ips}))


if __name__ == "__main__":
    main()
