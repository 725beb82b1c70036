"""Training-step speed of `SimpleModel` against the same model built on the plain reference ConvGRU cell.

Batch 8, 5 input + 5 target frames of 64x64, on the CPU; both models get identical weights (the reference
cells are built from the fast ones), so the loss values agree and only the recurrence's implementation differs.

Usage: python bench/model_speed.py [--steps 3] [--bs 8]
"""
import argparse, copy, time, warnings
warnings.filterwarnings('ignore', message='.*torch.jit.script.*is deprecated')
import torch
from fastai.vision.all import MSELossFlat, set_seed
from moving_mnist.core import StackLoss
from moving_mnist.models.conv_rnn import SimpleModel, ConvGRU_cell, ReferenceConvGRUCell

def swap_cells(model):
    "A copy of `model` whose ConvGRU cells are reference cells with the same weights"
    for name, mod in list(model.named_modules()):
        for cname, child in list(mod.named_children()):
            if isinstance(child, ConvGRU_cell): setattr(mod, cname, ReferenceConvGRUCell.from_cell(child))
    return model

def conv_macs(model, x):
    "Multiply-accumulates of all convolutions in one forward pass (a training step does about three times as many)"
    total = []
    def hook(m, inp, out): total.append(out.numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1])
    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad(): model(x)
    for h in hs: h.remove()
    return sum(total)

def step_time(model, x, y, steps):
    "Median seconds of a training step (forward, backward, Adam step)"
    opt, loss_func, times = torch.optim.Adam(model.parameters(), 1e-4), StackLoss(MSELossFlat()), []
    for i in range(steps + 1):
        t0 = time.perf_counter()
        loss = loss_func(model(x), y); loss.backward(); opt.step(); opt.zero_grad()
        if i: times.append(time.perf_counter() - t0)      # the first step is a warm-up
    return sorted(times)[len(times)//2], loss.item()

def main(steps=3, bs=8):
    set_seed(0)
    x, y = torch.rand(bs, 5, 1, 64, 64), torch.rand(bs, 5, 1, 64, 64)
    fast = SimpleModel()
    ref = swap_cells(copy.deepcopy(fast))
    with torch.no_grad(): torch.testing.assert_close(ref(x), fast(x), rtol=1e-4, atol=1e-4)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; SimpleModel {sum(p.numel() for p in fast.parameters())/1e6:.2f} M parameters")
    m_ref, m_fast = conv_macs(ref, x), conv_macs(fast, x)
    print(f"convolution work per forward pass: reference {m_ref/1e9:.2f} GMAC, ConvGRU_cell {m_fast/1e9:.2f} GMAC "
          f"({m_ref/m_fast:.2f}x less: the most a compute-bound device can gain)")
    t_ref, l_ref = step_time(ref, x, y, steps)
    t_fast, l_fast = step_time(fast, x, y, steps)
    print(f"reference cell:  {t_ref:.2f} s/step (loss {l_ref:.5f})")
    print(f"ConvGRU_cell:    {t_fast:.2f} s/step (loss {l_fast:.5f})")
    print(f"speed-up: {t_ref/t_fast:.2f}x (target >= 1.5x)")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--steps', type=int, default=3); p.add_argument('--bs', type=int, default=8)
    a = p.parse_args(); main(a.steps, a.bs)
