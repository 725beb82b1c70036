"""Standard-protocol benchmark: train registered architectures with their published recipes on Moving MNIST
10 -> 10 and report the published metrics beside copy-last, for the README's results table.

The protocol: 64x64 canvases, 2 digits, 10 input and 10 output frames, 10,000 fresh training sequences per epoch
from the training digits, batch 16, the architecture's published recipe (optimiser, schedule, precision, teacher
forcing), and the fixed test set (1,000 generated sequences of held-out digits, or the public
mnist_test_seq.npy with --test-seq). A run trains for the recipe's epochs (200 for OpenSTL's), for --epochs, or for
a wall-clock budget (--minutes, the schedule following the time used), then writes the four metrics, how far it
went (epochs, sequences seen, minutes) and the device to --out (results/protocol.json by default), one entry per
architecture, which the README reads beside the published numbers.

Usage:
  python bench/protocol.py --arch simvp_gsta --minutes 4                 # one model, 4 minutes (a GPU)
  python bench/protocol.py --arch simvp_gsta,phydnet --minutes 2         # several, one after the other
  python bench/protocol.py --arch conv_gru --preset tiny --epochs 1 --n_train 32 --n_test 16 --out /tmp/p.json   # a CPU smoke test
"""
import argparse, contextlib, json, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore', message='.*torch.jit.script.*is deprecated')
import torch
from fastai.vision.all import set_seed, default_device
from moving_mnist.all import *

ROOT = Path(__file__).resolve().parents[1]

def run(arch, args, xt, yt) -> dict:
    set_seed(args.seed)
    a = ARCHS[arch]
    r = a.get_recipe(args.recipe)
    n_train = args.n_train or r.n_train
    dls = get_mmnist_dls(10, 10, 2, n_train=n_train, n_valid=args.n_valid, bs=r.bs, seed=args.seed)
    learn = mmnist_learner(dls, arch, preset=args.preset, recipe=args.recipe, precision=args.precision)
    t0 = time.time()
    with learn.no_bar() if args.quiet else contextlib.nullcontext(): learn.fit_recipe(epochs=args.epochs, minutes=args.minutes)
    minutes = (time.time() - t0) / 60
    res = evaluate_with_copy_last(learn, xt, yt, bs=64)
    steps = learn.train_iter
    return {**{m: round(res['model'][m], 4) for m in ('mse', 'mae', 'psnr', 'ssim')},
            'copy_last': {m: round(res['copy_last'][m], 4) for m in ('mse', 'mae', 'psnr', 'ssim')},
            'recipe': r.name, 'preset': args.preset, 'precision': learn.precision, 'epochs': learn.epoch + 1,
            'recipe_epochs': r.epochs, 'sequences_seen': steps * r.bs, 'minutes': round(minutes, 1),
            'parameters': sum(p.numel() for p in learn.model.parameters()),
            'device': torch.cuda.get_device_name() if torch.cuda.is_available() else 'CPU', 'n_test': len(xt)}

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument('--arch', default='simvp_gsta', help="registered architecture(s), comma-separated")
    p.add_argument('--recipe', default=None, help="recipe (default: each architecture's first, its published one)")
    p.add_argument('--preset', default='default', help="model size preset")
    p.add_argument('--epochs', type=int, default=None, help="epochs (default: the recipe's)")
    p.add_argument('--minutes', type=float, default=None, help="training budget per architecture instead of epochs")
    p.add_argument('--n_train', type=int, default=None, help="sequences per epoch (default: the recipe's, 10,000)")
    p.add_argument('--n_valid', type=int, default=256); p.add_argument('--n_test', type=int, default=TEST_SET['n'])
    p.add_argument('--test-seq', dest='test_seq', default=None, help="the public mnist_test_seq.npy")
    p.add_argument('--precision', default=None, help="override the recipe's precision (fp32, fp16, bf16)")
    p.add_argument('--seed', type=int, default=42)
    p.add_argument('--out', default=str(ROOT/'results'/'protocol.json'), help="JSON file of the results (entries are updated)")
    p.add_argument('--quiet', action='store_true', help="no progress bars")
    args = p.parse_args(argv)
    archs = args.arch.split(',')
    unknown = [a for a in archs if a not in ARCHS]
    if unknown: p.error(f"unknown arch(s) {unknown}; known: {sorted(ARCHS)}")
    xt, yt = load_mnist_test_seq(args.test_seq) if args.test_seq else make_test_set(args.n_test)
    print(f"torch {torch.__version__}, device {default_device()}, test set: {len(xt)} sequences", flush=True)
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    for arch in archs:
        results[arch] = r = run(arch, args, xt, yt)
        print(f"\n{arch} ({r['recipe']} recipe, {r['precision']}): {r['epochs']} of {r['recipe_epochs']} epochs, {r['sequences_seen']:,} sequences, "
              f"{r['minutes']} min on {r['device']}")
        print(f"{'':10s} {'MSE':>8s} {'MAE':>8s} {'SSIM':>7s} {'PSNR':>7s}")
        for k, v in (('model', r), ('copy_last', r['copy_last'])): print(f"{k:10s} {v['mse']:8.2f} {v['mae']:8.2f} {v['ssim']:7.4f} {v['psnr']:7.2f}")
        pub = first((x for x in ARCHS[arch].recipes.values() if x.published), None)
        if pub: print(f"published: MSE {pub.published['mse']}, MAE {pub.published['mae']}, SSIM {pub.published['ssim']} ({pub.published['ref']})")
        out.parent.mkdir(parents=True, exist_ok=True); out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out}")
    return results

if __name__ == '__main__': main()
