"""Standard-protocol benchmark: train registered architectures on Moving MNIST 10 -> 10 and report the
published metrics against copy-last.

The protocol: 64x64 canvases, 2 digits, 10 input and 10 output frames, training sequences generated on the fly
(fresh every epoch, from the training digits), and a fixed test set: the public mnist_test_seq.npy when given
(--test-seq), otherwise --n_test sequences generated with a fixed seed from held-out digits. Each architecture
trains with its registered recipe (loss, callbacks, learning rate, fit_one_cycle) for a number of epochs or for a
wall-clock budget, then prints per-frame MSE, MAE, SSIM and PSNR for the model and for copy-last, and the
training throughput in sequences per second.

With a time budget, one short timed warm-up measures the throughput and the epochs are sized so that training
takes about the budget (10 epochs of fresh sequences by default). Callbacks that decay with the epoch count
(teacher forcing, scheduled sampling) are rescaled to reach 0 at half of the run.

Published 200-epoch references (OpenSTL, MSE): ConvLSTM 29.80, PhyDNet 28.19, SimVP 32.15, SimVP-gSTA 26.69.

Usage:
  python bench/protocol.py --arch simvp_gsta --minutes 2                      # one model, 2 minutes
  python bench/protocol.py --arch simvp_gsta,phydnet,conv_lstm --minutes 2.5  # several, one after the other
  python bench/protocol.py --arch conv_gru --size small --epochs 1 --n_train 64 --n_test 32   # a CPU smoke test
"""
import argparse, contextlib, json, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore', message='.*torch.jit.script.*is deprecated')
import torch
from fastai.vision.all import Callback, set_seed, default_device
from moving_mnist.core import TeacherForcing
from moving_mnist.data import get_mmnist_dls, make_test_set, load_mnist_test_seq
from moving_mnist.learner import ARCHS, mmnist_learner, evaluate_with_copy_last

PUBLISHED = {'conv_lstm': 29.80, 'phydnet': 28.19, 'simvp': 32.15, 'simvp_gsta': 26.69}

def _learner(arch, args, n_train):
    dls = get_mmnist_dls(10, 10, 2, n_train=n_train, n_valid=args.n_valid, bs=args.bs, seed=args.seed)
    return mmnist_learner(dls, arch, preset=args.size, **json.loads(args.model))

def measure_throughput(arch, args, n_batches=6) -> float:
    "Training sequences per second, from a short timed run (the first batches are a warm-up)"
    learn = _learner(arch, args, n_train=args.bs * n_batches)
    times = []
    class _T(Callback):
        def before_batch(self): self.t0 = time.perf_counter()
        def after_batch(self):
            if torch.cuda.is_available(): torch.cuda.synchronize()
            times.append(time.perf_counter() - self.t0)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, learn.lr, cbs=_T())
    steady = sorted(times[2:])[len(times[2:]) // 2] if len(times) > 2 else times[-1]
    return args.bs / steady

def run(arch, args, xt, yt) -> dict:
    set_seed(args.seed)
    if args.minutes:
        sps = measure_throughput(arch, args)
        total = max(args.bs, int(sps * args.minutes * 60 * 0.9))          # 10% for validation
        epochs = min(args.max_epochs, max(1, total // (args.bs * 20)))
        n_train = max(args.bs, (total // epochs) // args.bs * args.bs)
    else: epochs, n_train = args.epochs, args.n_train
    learn = _learner(arch, args, n_train)
    for cb in learn.cbs:
        if isinstance(cb, TeacherForcing): cb.end_epoch = max(epochs / 2, 1e-6)   # rescaled to this run
    t0 = time.perf_counter()
    with contextlib.ExitStack() as quiet:
        if args.quiet: quiet.enter_context(learn.no_bar()); quiet.enter_context(learn.no_logging())
        learn.fit_one_cycle(epochs, learn.lr)
    train_s = time.perf_counter() - t0
    res = evaluate_with_copy_last(learn, xt, yt, bs=args.bs * 4)
    res['run'] = dict(arch=arch, size=args.size, epochs=epochs, n_train_per_epoch=n_train, train_seconds=round(train_s, 1),
                      train_seq_per_s=round(epochs * n_train / train_s, 1), params_M=round(sum(p.numel() for p in learn.model.parameters())/1e6, 2),
                      device=str(learn.dls.device), published_mse_200_epochs=PUBLISHED.get(arch))
    return res

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument('--arch', default='simvp_gsta', help="registered architecture(s), comma-separated, or 'all'")
    p.add_argument('--minutes', type=float, default=None, help="training budget per architecture (overrides --epochs/--n_train)")
    p.add_argument('--epochs', type=int, default=1); p.add_argument('--n_train', type=int, default=10_000)
    p.add_argument('--max_epochs', type=int, default=10, help="epochs at most when sizing a time budget")
    p.add_argument('--n_valid', type=int, default=256); p.add_argument('--n_test', type=int, default=1000)
    p.add_argument('--test-seq', dest='test_seq', default=None, help="the public mnist_test_seq.npy")
    p.add_argument('--bs', type=int, default=16); p.add_argument('--seed', type=int, default=42)
    p.add_argument('--size', choices=['default', 'small'], default='default', help="published sizes, or the small CPU presets")
    p.add_argument('--model', default='{}', help="model arguments as JSON")
    p.add_argument('--out', default=None, help="JSON file for the results")
    p.add_argument('--quiet', action='store_true', help="no progress bars")
    args = p.parse_args(argv)
    archs = [a for a in ARCHS if a != 'copy_last'] if args.arch == 'all' else args.arch.split(',')
    unknown = [a for a in archs if a not in ARCHS]
    if unknown: p.error(f"unknown arch(s) {unknown}; known: {sorted(ARCHS)}")
    xt, yt = load_mnist_test_seq(args.test_seq) if args.test_seq else make_test_set(args.n_test, seed=1234)
    print(f"torch {torch.__version__}, device {default_device()}, test set: {len(xt)} sequences "
          f"({args.test_seq or 'generated, seed 1234, held-out digits'})")
    results = {}
    for arch in archs:
        results[arch] = r = run(arch, args, xt, yt)
        m, c, run_ = r['model'], r['copy_last'], r['run']
        print(f"\n{arch}: {run_['params_M']} M params, {run_['epochs']} epochs x {run_['n_train_per_epoch']} seqs, "
              f"{run_['train_seconds']} s, {run_['train_seq_per_s']} train seq/s on {run_['device']}")
        print(f"{'':10s} {'MSE':>8s} {'MAE':>8s} {'SSIM':>7s} {'PSNR':>7s}")
        for k, v in (('model', m), ('copy_last', c)): print(f"{k:10s} {v['mse']:8.2f} {v['mae']:8.2f} {v['ssim']:7.4f} {v['psnr']:7.2f}")
        if run_['published_mse_200_epochs']: print(f"published MSE after 200 epochs: {run_['published_mse_200_epochs']}")
    if args.out: Path(args.out).write_text(json.dumps(results, indent=2)); print(f"\nwrote {args.out}")
    return results

if __name__ == '__main__': main()
