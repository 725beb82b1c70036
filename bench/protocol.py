"""Standard-protocol benchmark: train registered architectures with their published recipes on Moving MNIST
10 -> 10 and report the published metrics beside both baselines, for the README's results table.

The protocol: 64x64 canvases, 2 digits, 10 input and 10 output frames, 10,000 fresh training sequences per epoch
from the training digits, batch 16, the architecture's published recipe (optimiser, schedule, precision, teacher
forcing), and the fixed test set (1,000 generated sequences of held-out digits, or the public
mnist_test_seq.npy with --test-seq). Each architecture is one `train_run` (the function `mmnist_train` calls), into
the run folder runs/protocol/<arch>; it trains for the recipe's epochs (200 for OpenSTL's), for --epochs, or for a
wall-clock budget (--minutes, the schedule following the time used), then the four metrics of the model and of both
baselines, the horizon, how far it went (epochs, sequences seen, minutes) and the device go to --out
(results/protocol.json by default), one entry per architecture, which the README reads beside the published numbers.

Usage:
  python bench/protocol.py --arch simvp_gsta --minutes 4                 # one model, 4 minutes (a GPU)
  python bench/protocol.py --arch simvp_gsta,phydnet --minutes 2         # several, one after the other
  python bench/protocol.py --arch conv_gru --preset tiny --epochs 1 --n_train 32 --n_test 16 --out p.json   # a CPU smoke test
"""
import argparse, json, warnings
from pathlib import Path
warnings.filterwarnings('ignore', message='.*torch.jit.script.*is deprecated')
from fastcore.basics import first
from moving_mnist.all import *
from moving_mnist.cli import add_options

ROOT = Path(__file__).resolve().parents[1]
RUN_OPTIONS = ('recipe', 'preset', 'epochs', 'minutes', 'n_train', 'n_valid', 'n_test', 'test_seq', 'precision', 'seed', 'quiet')   # of train_run's

def run(arch, args) -> dict:
    "One architecture's run on the protocol, summarised for the results file"
    res = train_run(f"{args.runs}/{arch}", arch=arch, **{k: getattr(args, k) for k in RUN_OPTIONS}, overwrite=True, prog='protocol')
    r, run_ = ARCHS[arch].get_recipe(args.recipe), res['run']
    keep = lambda v: {m: round(v[m], 4) for m in ('mse', 'mae', 'psnr', 'ssim')}
    return {**keep(res['model']), 'copy_last': keep(res['copy_last']), 'blank': keep(res['blank']), 'horizon': res['horizon'],
            'recipe': r.name, 'preset': args.preset, 'precision': run_['precision'], 'epochs': run_['epochs'],
            'recipe_epochs': r.epochs, 'sequences_seen': run_['sequences_seen'], 'minutes': round(run_['train_seconds'] / 60, 1),
            'parameters': run_['parameters'], 'device': res['config']['versions']['device_name'], 'n_test': run_['n_test']}

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument('--arch', default='simvp_gsta', help="registered architecture(s), comma-separated")
    add_options(p, run_options(), RUN_OPTIONS)                # as mmnist_train declares them
    p.add_argument('--runs', default='runs/protocol', help="folder of the run folders (relative to the working directory)")
    p.add_argument('--out', default=str(ROOT/'results'/'protocol.json'), help="JSON file of the results (entries are updated)")
    args = p.parse_args(argv)
    archs = args.arch.split(',')
    unknown = [a for a in archs if a not in ARCHS]
    if unknown: p.error(f"unknown arch(s) {unknown}; known: {sorted(ARCHS)}")
    out = Path(args.out)
    for arch in archs:
        results = update_json(out, arch, r := run(arch, args))
        print(f"\n{arch} ({r['recipe']} recipe, {r['precision']}): {r['epochs']} of {r['recipe_epochs']} epochs, {r['sequences_seen']:,} sequences, "
              f"{r['minutes']} min on {r['device']}")
        pub = first((x for x in ARCHS[arch].recipes.values() if x.published), None)
        if pub: print(f"published: MSE {pub.published['mse']}, MAE {pub.published['mae']}, SSIM {pub.published['ssim']} ({pub.published['ref']})")
    print(f"\nwrote {out}")
    return results

if __name__ == '__main__': main()
