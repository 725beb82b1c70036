"""Data throughput: sequences per second for 10 -> 10 frames, 2 digits, batch 16, on the CPU.

Compares, in the same run:
- the batch path: `get_mmnist_dls` (whole batches rendered by `generate_sequences`);
- the per-item path: `TfmdLists` + `ImageTupleTransform`, collated by fastai;
- a reference: the straightforward per-sequence loop generator of the original library (a Python loop per
  frame for each digit's trajectory, numpy slicing per frame and digit), collated by a torch `DataLoader`.

The last line is not a loader: it only writes a fresh float32 batch of the same shape, the least any loader
returning float32 batches must do, which bounds the ratio any of them can reach on this machine.

Usage: python bench/data_throughput.py [--seconds 5] [--bs 16]
"""
import argparse, math, random, time
import numpy as np, torch
from fastai.vision.all import TfmdLists, DataLoaders
from moving_mnist.all import *

class LoopMovingMNIST(torch.utils.data.Dataset):
    "Reference: one sequence at a time, a Python loop per frame and digit (the original algorithm)"
    def __init__(self, digits, n_in=10, n_out=10, n_obj=2, size=64, length=10_000):
        self.mnist, self.n_in, self.n_out, self.n_obj, self.size, self.length = digits, n_in, n_out, n_obj, size, length
    def __len__(self): return self.length
    def trajectory(self, n):
        free = self.size - self.mnist.shape[-1]
        y, x, theta = random.random(), random.random(), random.random() * 2 * np.pi
        vy, vx = np.sin(theta), np.cos(theta)
        ys, xs = np.zeros(n), np.zeros(n)
        for i in range(n):
            y += vy * 0.1; x += vx * 0.1
            if x <= 0: x, vx = 0, -vx
            if x >= 1: x, vx = 1, -vx
            if y <= 0: y, vy = 0, -vy
            if y >= 1: y, vy = 1, -vy
            ys[i], xs[i] = y, x
        return (free * ys).astype(np.int32), (free * xs).astype(np.int32)
    def __getitem__(self, i):
        n, ds = self.n_in + self.n_out, self.mnist.shape[-1]
        data = np.zeros((n, self.size, self.size), dtype=np.float32)
        for _ in range(self.n_obj):
            ys, xs = self.trajectory(n)
            digit = self.mnist[random.randint(0, len(self.mnist) - 1)]
            for t in range(n):
                data[t, ys[t]:ys[t]+ds, xs[t]:xs[t]+ds] = np.maximum(data[t, ys[t]:ys[t]+ds, xs[t]:xs[t]+ds], digit)
        data = torch.from_numpy(data[:, None] / 255.).float()
        return data[:self.n_in], data[self.n_in:]

def seqs_per_sec(dl, bs, seconds):
    "Iterate `dl` (restarting it as needed) for about `seconds`; return sequences per second"
    it = iter(dl); next(it)   # warm-up
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        try: b = next(it)
        except StopIteration: it = iter(dl); continue
        n += len(b[0][0]) if isinstance(b[0], tuple) else len(b[0])
    return n / (time.perf_counter() - t0)

def floor_per_sec(bs, seconds, n_in=10, n_out=10, size=64):
    "Sequences per second of the least any loader must do: write a fresh float32 batch `(x, y)` once"
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        x, y = torch.empty(bs, n_in, 1, size, size).fill_(0.5), torch.empty(bs, n_out, 1, size, size).fill_(0.5)
        n += bs
    return n / (time.perf_counter() - t0)

def per_call_ms(f, seconds=1.0):
    "Mean milliseconds of `f()` over about `seconds`"
    f(); n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds: f(); n += 1
    return (time.perf_counter() - t0) / n * 1e3

def breakdown(dl, bs, seconds=1.0):
    "Where a batch's time goes: sequence parameters, rendering, float32 conversion, the fastai loader"
    ds, idxs, it = dl.dataset, np.arange(bs), iter(dl)
    T, D = ds.n_frames_total, max(ds.num_objects)
    digits = ds.digits[torch.randint(0, len(ds.digits), (bs * D,))].view(bs, D, *ds.digits.shape[1:])
    top, left = (torch.randint(0, ds.size - digits.shape[-1] + 1, (bs, T, D)) for _ in range(2))
    seqs = ds.generate(idxs)
    t = dict(generate=per_call_ms(lambda: ds.generate(idxs), seconds), render=per_call_ms(lambda: render(digits, top, left, ds.size), seconds),
             convert=per_call_ms(lambda: split_frames(seqs, ds.n_in), seconds), batch=per_call_ms(lambda: next(it), seconds))
    parts = {'sequence parameters (hash, bounce, digit choice)': t['generate'] - t['render'], 'render (index_select + max)': t['render'],
             'float32 conversion of x and y': t['convert'], 'fastai loader and the rest': t['batch'] - t['generate'] - t['convert']}
    print(f"\none batch of {bs} from the batch DataLoader: {t['batch']:.2f} ms")
    for k, v in parts.items(): print(f"  {k:50s} {v:6.2f} ms")

def main(seconds=5.0, bs=16, device='cpu'):
    torch.manual_seed(0); random.seed(0)
    t0 = time.perf_counter(); digits = load_mnist(DATA_PATH, 'train'); t_load = time.perf_counter() - t0
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; embedded digits loaded in {t_load*1000:.1f} ms (cached .npy)")
    batch_dl = get_mmnist_dls(n_in=10, n_out=10, n_obj=2, bs=bs, n_train=100_000, device='cpu').train
    ds = MovingMNIST(DATA_PATH, n_in=10, n_out=10, n_obj=2, length=100_000)
    item_dl = DataLoaders.from_dsets(TfmdLists(range(100_000), ImageTupleTransform(ds)), TfmdLists(range(16), ImageTupleTransform(ds)),
                                     bs=bs, num_workers=0, device='cpu').train
    loop_dl = torch.utils.data.DataLoader(LoopMovingMNIST(digits, length=100_000), batch_size=bs, num_workers=0)
    res = {name: seqs_per_sec(dl, bs, seconds) for name, dl in
           [('reference loop (per sequence)', loop_dl), ('per-item TfmdLists path', item_dl), ('batch DataLoader', batch_dl)]}
    res['floor: write the float32 batch'] = floor_per_sec(bs, seconds)
    ref = res['reference loop (per sequence)']
    print(f"{'path':32s} {'seq/s':>10s} {'vs reference':>13s}")
    for k, v in res.items(): print(f"{k:32s} {v:10.0f} {v/ref:12.1f}x")
    print(f"batch DataLoader / reference = {res['batch DataLoader']/ref:.1f}x (target >= 20x)")
    print(f"20x the reference leaves {bs / (20 * ref) * 1e3:.2f} ms per batch of {bs}")
    breakdown(batch_dl, bs)
    if device != 'cpu':                                     # the batch path rendering on the accelerator
        dev_dl = get_mmnist_dls(n_in=10, n_out=10, n_obj=2, bs=bs, n_train=100_000, device=device).train
        def synced():
            b = next(it); torch.cuda.synchronize() if torch.device(device).type == 'cuda' else None; return b
        it = iter(dev_dl)
        print(f"\nbatch DataLoader rendering on {device}: {per_call_ms(synced, seconds):.2f} ms per batch of {bs} "
              f"({get_mmnist_dls.__name__}(device={device!r}))")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seconds', type=float, default=5.0); p.add_argument('--bs', type=int, default=16)
    p.add_argument('--device', default='cpu', help="also time the batch path rendering on this device (e.g. cuda)")
    a = p.parse_args(); main(a.seconds, a.bs, a.device)
