"""Example 04 (PhyDNet on a CPU), its target measured: which change to the run beats the blank frame on SSIM?

The run of example 04: the small preset (ConvLSTM widths 32 and 64), 10 -> 10 frames, two digits, 1,600 fresh
sequences per epoch, batch 16, teacher forcing decaying to zero over the first 200 batches, `--minutes` of wall-clock
time each on one core (run the approaches one at a time, or two at most on a two-core machine), then the fixed test set
(`make_test_set()`, 1,000 sequences) against both baselines. The approaches are described in `APPROACHES` below; each
entry of the results file carries its description, the four metrics of the model and of both baselines, the per-frame
MSE and SSIM and the horizon.

Writes results/phydnet_approaches.json. Usage: python bench/phydnet_approaches.py [--only NAME ...] [--minutes M]
  python bench/phydnet_approaches.py --only recipe --minutes 0.2 --preset tiny --n_test 16 --out p.json   # a smoke test
"""
import argparse, json, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore', message='.*torch.jit.script.*is deprecated')
import torch
from fastai.torch_core import set_seed
from moving_mnist.all import *

ROOT = Path(__file__).resolve().parents[1]
APPROACHES = {
    'recipe': "the published recipe (PyTorch's Adam at 1e-3, divided by 10 when the validation MSE stalls, checked every "
              "10 epochs) with the per-frame MSE sum plus ten times the L1 error (`WeightedLoss(MSEL1Loss(), 10)`)",
    'ssim_loss': "the same, trained on the metric too (`SSIMLoss(WeightedLoss(MSEL1Loss(), 10))`: plus 1 - SSIM), so a "
                 "haze on the empty background costs in training what it costs at test time",
    'one_cycle': "the loss of `recipe` with the library's fastai recipe (`recipe='fastai'`: fastai's Adam, a one-cycle "
                 "schedule over the time budget, the learning rate annealed to zero by the end)",
    'one_cycle_ssim': "both changes: the fastai recipe's one-cycle schedule and the SSIM term (the choice of example 04)",
}

def loss_of(name:str):
    base = WeightedLoss(MSEL1Loss(), 10)
    return SSIMLoss(base) if 'ssim' in name else base

def run(name:str, a) -> dict:
    set_seed(a.seed)
    dls = get_mmnist_dls(n_in=10, n_out=10, n_obj=2, n_train=a.n_train, n_valid=200, bs=16)
    learn = mmnist_learner(dls, 'phydnet', preset=a.preset, recipe='fastai' if name.startswith('one_cycle') else None,
                           loss_func=loss_of(name))
    learn.remove_cb(TeacherForcing).add_cb(TeacherForcing(end_iter=200, granularity='batch'))
    t0 = time.time()
    with learn.no_bar(), learn.no_logging(): learn.fit_recipe(minutes=a.minutes)
    train_minutes = (time.time() - t0) / 60
    xt, yt = make_test_set(a.n_test)
    with learn.no_bar(), learn.no_logging(): res = evaluate_with_copy_last(learn, xt, yt)
    fig = lambda r: {**{m: round(r[m], 4) for m in ('mse', 'mae', 'psnr', 'ssim')},
                     'per_frame': {m: [round(v, 4) for v in r['per_frame'][m]] for m in ('mse', 'ssim')}}
    return dict(recipe=learn.recipe.name, loss=repr(learn.loss_func), preset=a.preset, epochs=learn.epoch + 1,
                train_minutes=round(train_minutes, 1), n_test=len(xt), horizon=res['horizon'],
                model=fig(res['model']), blank=fig(res['blank']), copy_last=fig(res['copy_last']))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--only', nargs='*', default=None, choices=list(APPROACHES))
    p.add_argument('--minutes', type=float, default=35.)
    p.add_argument('--preset', default='small'); p.add_argument('--n_train', type=int, default=1_600)
    p.add_argument('--n_test', type=int, default=TEST_SET['n']); p.add_argument('--seed', type=int, default=42)
    p.add_argument('--out', default=str(ROOT/'results'/'phydnet_approaches.json'))
    a = p.parse_args(argv)
    out = Path(a.out)
    for name in a.only or APPROACHES:
        r = run(name, a)
        res = json.loads(out.read_text()) if out.exists() else {}      # re-read: another process may have written its entry
        res[name] = {'description': APPROACHES[name], **r}
        res = {k: res[k] for k in APPROACHES if k in res}
        out.parent.mkdir(parents=True, exist_ok=True); out.write_text(json.dumps(res, indent=1))
        m, b = r['model'], r['blank']
        print(f"{name}: {r['epochs']} epochs in {r['train_minutes']} min; MSE {m['mse']:.1f} SSIM {m['ssim']:.3f} "
              f"(blank {b['mse']:.1f} / {b['ssim']:.3f}), horizon {r['horizon']}", flush=True)

if __name__ == '__main__': main()
