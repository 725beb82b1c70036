"""Training-step speed of every registered architecture: eager against compiled (`torch.compile`), and the share
of a step that generating its batch takes; and the library's ConvGRU cell against the plain reference cell.

For each architecture, at its CPU preset (`--config small`, the default here) or at the published configuration
(`--config published`, for a GPU), on 10 -> 10 frames of 64x64 at batch 16 (`--bs`), in one run: the median time of
a training step (forward, loss, backward, Adam step) of the eager model and of the same model compiled, their ratio,
and the time to generate a batch of the protocol (`generate_sequences` on the same device) as a percentage of the
eager step. Then the ConvGRU comparison: `SimpleModel` with the library's `ConvGRUCell` (input convolutions batched
over time, the zero-state step skipped) against the same model with a plain cell that concatenates `[x, h]` at
every step, with identical weights.

Usage: python bench/model_speed.py [--config small|published] [--archs a,b] [--compile] [--precision bf16] [--json F]
"""
import argparse, copy, json, time, warnings
warnings.filterwarnings('ignore', message='.*torch.jit.script.*is deprecated')
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F, torch._dynamo
from fastai.vision.all import set_seed, default_device, MSELossFlat
from moving_mnist.all import *

def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

def step_time(model, x, y, loss_func, steps, dev, precision='fp32'):
    "Median seconds of a training step (forward, loss, backward, Adam step), after two warm-up steps"
    opt, times = torch.optim.Adam(model.parameters(), 1e-4), []
    dtype = {'bf16': torch.bfloat16, 'fp16': torch.float16}.get(precision)
    for i in range(steps + 2):
        sync(dev); t0 = time.perf_counter()
        with torch.autocast(dev.type, dtype=dtype, enabled=dtype is not None):
            out = model(x)
            loss = loss_func(out[0] if isinstance(out, tuple) else out, y)
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
        sync(dev)
        if i >= 2: times.append(time.perf_counter() - t0)
    return float(np.median(times))

def data_time(dev, bs, reps=20):
    "Median seconds to generate a batch of 20-frame sequences on `dev`"
    pool = get_digits(DATA_PATH, 'train', device=dev)
    times = []
    for i in range(reps + 2):
        sync(dev); t0 = time.perf_counter()
        seqs = generate_sequences(pool, np.arange(bs), 20)
        x, y = split_frames(seqs, 10)
        sync(dev)
        if i >= 2: times.append(time.perf_counter() - t0)
    return float(np.median(times))

def bench_archs(args, dev):
    rows, t_data = [], data_time(dev, args.bs)
    print(f"batch generation: {t_data * 1e3:.2f} ms per batch of {args.bs} on {dev}")
    x, y = torch.rand(args.bs, 10, 1, 64, 64, device=dev), torch.rand(args.bs, 10, 1, 64, 64, device=dev)
    for name in args.archs:
        a = ARCHS[name]
        preset = ('small' if 'small' in a.presets else 'default') if args.config == 'small' else 'default'
        set_seed(0)
        model = a.build(10, 10, preset=preset).to(dev)
        loss_func = a.loss(10, 10)
        n = sum(p.numel() for p in model.parameters())
        t_eager = step_time(model, x, y, loss_func, args.steps, dev, args.precision)
        row = dict(arch=name, preset=preset, parameters=n, eager_s=round(t_eager, 4), data_pct=round(100 * t_data / t_eager, 2))
        comp = ''
        if args.compile:                                # what `mmnist_learner(..., compile=True)` does: `compile_model`
            t0 = time.perf_counter()
            try:
                compiled = compile_model(copy.deepcopy(model))
                t_comp = step_time(compiled, x, y, loss_func, args.steps, dev, args.precision)
                row.update(compiled_s=round(t_comp, 4), speedup=round(t_eager / t_comp, 2), compile_s=round(time.perf_counter() - t0, 1))
                comp = f"  compiled {t_comp*1e3:9.1f} ms/step  {row['speedup']:.2f}x (compile {row['compile_s']:.0f} s)"
            except Exception as e:                      # a compiler bug is a finding, not the end of the bench
                row.update(compile_error=f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
                comp = f"  compile failed: {row['compile_error']}"
            torch._dynamo.reset()
        rows.append(row)
        print(f"{name:14s} {preset:8s} {n/1e6:7.2f} M  eager {t_eager*1e3:9.1f} ms/step{comp}  data {row['data_pct']:.2f}% of a step", flush=True)
    cheapest = min(rows, key=lambda r: r['eager_s'])
    print(f"data share of the cheapest architecture's step ({cheapest['arch']}): {cheapest['data_pct']:.2f}%")
    return rows, t_data

class PlainConvGRU(nn.Module):
    "The reference: one convolution over `[x, h]` per gate group and step (the original library's form)"
    def __init__(self, cell):
        super().__init__()
        self.cell, o, k = cell, cell.c_hid, cell.ks
        self.conv1 = nn.Conv2d(cell.c_in + o, 2*o, k, padding=k[0]//2); self.conv2 = nn.Conv2d(cell.c_in + o, o, k, padding=k[0]//2)
        with torch.no_grad():
            self.conv1.weight.copy_(torch.cat([cell.x2h.weight[:2*o], cell.h2zr.weight], 1)); self.conv1.bias.copy_(cell.x2h.bias[:2*o])
            self.conv2.weight.copy_(torch.cat([cell.x2h.weight[2*o:], cell.h2c.weight], 1)); self.conv2.bias.copy_(cell.x2h.bias[2*o:])
        self.gn1, self.gn2 = copy.deepcopy(cell.zr_norm), copy.deepcopy(cell.c_norm)
    def forward(self, x, h=None, n_steps=None):
        if x is None: x = h.new_zeros(h.shape[0], n_steps, self.cell.c_in, *h.shape[-2:])
        h = h if h is not None else x.new_zeros(x.shape[0], self.cell.c_hid, *x.shape[-2:])
        outs = []
        for xt in x.unbind(1):
            z, r = torch.sigmoid(self.gn1(self.conv1(torch.cat([xt, h], 1)))).chunk(2, 1)
            c = torch.tanh(self.gn2(self.conv2(torch.cat([xt, r * h], 1))))
            h = (1 - z) * h + z * c; outs.append(h)
        return torch.stack(outs, 1), h

def bench_convgru(args, dev):
    set_seed(0)
    fast = SimpleModel().to(dev)
    ref = copy.deepcopy(fast)
    for mod in list(ref.modules()):
        for cname, child in list(mod.named_children()):
            if isinstance(child, ConvGRUCell): setattr(mod, cname, PlainConvGRU(child))
    x, y = torch.rand(8, 5, 1, 64, 64, device=dev), torch.rand(8, 5, 1, 64, 64, device=dev)
    with torch.no_grad(): torch.testing.assert_close(ref(x), fast(x), rtol=1e-4, atol=1e-4)
    loss = StackLoss(MSELossFlat())
    t_ref, t_fast = step_time(ref, x, y, loss, args.steps, dev), step_time(fast, x, y, loss, args.steps, dev)
    print(f"SimpleModel (4.24 M), batch 8, 5 + 5 frames: plain cell {t_ref*1e3:.0f} ms/step, ConvGRUCell {t_fast*1e3:.0f} ms/step, {t_ref/t_fast:.2f}x")
    return dict(plain_s=round(t_ref, 4), library_s=round(t_fast, 4), speedup=round(t_ref / t_fast, 2))

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', choices=['small', 'published'], default='small', help="CPU presets or the published configurations")
    p.add_argument('--archs', default=None, help="comma-separated (default: all but copy_last)")
    p.add_argument('--compile', action='store_true', help="also time the compiled model (torch.compile)")
    p.add_argument('--precision', choices=['fp32', 'bf16', 'fp16'], default='fp32')
    p.add_argument('--steps', type=int, default=3); p.add_argument('--bs', type=int, default=16)
    p.add_argument('--device', default=None); p.add_argument('--json', default=None)
    p.add_argument('--no-convgru', dest='convgru', action='store_false', help="skip the ConvGRU cell comparison")
    args = p.parse_args()
    args.archs = args.archs.split(',') if args.archs else [a for a in ARCHS if a != 'copy_last']
    dev = torch.device(args.device) if args.device else default_device()
    print(f"torch {torch.__version__}, {dev}, {torch.get_num_threads()} threads, {args.config} configurations, {args.precision}")
    rows, t_data = bench_archs(args, dev)
    gru = bench_convgru(args, dev) if args.convgru else None
    if args.json:
        from pathlib import Path
        Path(args.json).write_text(json.dumps(dict(device=str(dev), config=args.config, precision=args.precision, data_s=t_data, archs=rows, convgru=gru), indent=2))

if __name__ == '__main__': main()
