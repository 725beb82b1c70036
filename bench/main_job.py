"""The main job's approaches, measured: how many frames ahead each forecaster removes at least half of the better baseline's
error (its horizon, skill >= 0.5 on MSE and SSIM), for how many minutes of a two-core CPU.

Each learned approach is one `mmnist_train` run on the standard protocol (64x64, two digits, 10 -> 10, the fixed test set of
1,000 sequences of held-out digits) with the same wall-clock training budget, from a relative run folder, as a user types it;
`slot_attention` and `slot_track` are the object-centric designs of bench/designs.py, registered for the run. The references
have no weights and are evaluated directly: `DigitTracker` (it knows the generator) and its ablations (`ablate`).

Each entry of results/main_job_approaches.json, which the CLI notebook's table reads, holds the model's and both baselines'
per-frame MSE and SSIM and overall metrics, the per-frame skill and the horizon, `wall_minutes` (elapsed time of the whole run:
data, training, evaluation, pictures) and `cpu_minutes` (the process's CPU time, both cores counted; the same two words mean the
same in every results file of the library), the steps and parameters, and `last_frame`: what the last forecast frame of its
sample.gif shows, written after looking (`--describe NAME TEXT`).

Usage: python bench/main_job.py [--only NAME ...] [--minutes M]
       python bench/main_job.py --describe NAME "what the last frame of runs/approaches/NAME/sample.gif shows"
"""
import argparse, json, os, sys, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore', message='.*torch.jit.script.*is deprecated')
sys.path.insert(0, str(Path(__file__).parent))
from moving_mnist.all import *
from moving_mnist.cli import train_main
import designs

ROOT = Path(__file__).resolve().parents[1]

def approaches(minutes):
    "name -> (description, mmnist_train arguments, or the switches of a tracker ablation)"
    m = str(minutes)
    return {
        'flow_splat': ("FlowSplat (the main job): a CNN predicts where each pixel of the last frame goes at each future frame, its ink is moved there", ['--minutes', m]),
        'slot_attention': ("object-centric, slot attention: slots over learned features, each slot's ink moved rigidly (bench/designs.py)", ['--arch', 'slot_attention', '--minutes', m]),
        'slot_track': ("object-centric, a learned segmentation whose slots are followed back by template matching, an MLP for their future (bench/designs.py)",
                       ['--arch', 'slot_track', '--minutes', m]),
        'flow_warp': ("FlowWarp (1.35 M): a U-Net predicts a backward flow per future frame, the last frame is warped", ['--arch', 'flow_warp', '--minutes', m]),
        'simvp_small': ("SimVP-IncepU, small preset (1.9 M), fastai recipe: an MSE generator", ['--arch', 'simvp', '--preset', 'small', '--recipe', 'fastai', '--minutes', m, '--n_train', '1600']),
        'digit_tracker': ("DigitTracker, the reference that knows the generator (no weights, evaluated directly)", {}),
        'digit_tracker_no_bounce': ("DigitTracker without the bounce anywhere: straight motion fitted and forecast", {'bounce': False}),
        'digit_tracker_no_reflection': ("DigitTracker that fits the bounces of the inputs but forecasts straight on", {'bounce': 'fit_only'}),
        'digit_tracker_no_speed': ("DigitTracker without the speed constraint: y and x velocities fitted independently", {'speed_constraint': False}),
    }

def summary(res:dict) -> dict:
    "The figures of an evaluation kept in the approaches file"
    keep = lambda r: {**{m: round(r[m], 4) for m in ('mse', 'mae', 'psnr', 'ssim')}, 'per_frame': {m: [round(v, 4) for v in r['per_frame'][m]] for m in ('mse', 'ssim')}}
    out = {k: keep(res[k]) for k in ('model', 'copy_last', 'blank')}
    return {**out, 'skill': {m: [round(v, 4) for v in s] for m, s in res['skill'].items()}, 'horizon': res['horizon'], 'beats_both': beats_baselines(res)}

def run(name, desc, args, minutes):
    "One approach: a run of mmnist_train (into runs/approaches/NAME), or a reference evaluated directly"
    t0, c0 = time.time(), time.process_time()
    if isinstance(args, dict):                                            # a forecaster without weights
        xt, yt = make_test_set()
        res, extra = evaluate_with_baselines(ablate(DigitTracker(), **args), xt, yt), dict(steps=0, parameters=0, train_minutes=0)
        save_gif(Path('runs/approaches')/name/'sample.gif', xt[0], yt[0], ablate(DigitTracker(), **args)(xt[:1].float() / 255)[0])
    else:
        res = train_main(args + ['--out', f'runs/approaches/{name}', '--overwrite', '--quiet'])
        r = res['run']
        extra = dict(steps=r['steps'], parameters=r['parameters'], train_minutes=round(r['train_seconds'] / 60, 2), sequences_seen=r['sequences_seen'])
    return {'description': desc, 'args': args, 'wall_minutes': round((time.time() - t0) / 60, 2), 'cpu_minutes': round((time.process_time() - c0) / 60, 2),
            **extra, **summary(res), 'device': device_name('cpu'), 'last_frame': None}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only', nargs='*', default=None, help="approaches to run (default: all)")
    ap.add_argument('--minutes', type=float, default=8., help="wall-clock training budget of the learned approaches")
    ap.add_argument('--describe', nargs=2, metavar=('NAME', 'TEXT'), help="record what the last frame of NAME's sample.gif shows")
    ap.add_argument('--out', default=str(ROOT/'results'/'main_job_approaches.json'))
    a = ap.parse_args()
    out = Path(a.out).absolute()
    read = lambda: json.loads(out.read_text()) if out.exists() else {}
    if a.describe:
        name, text = a.describe; update_json(out, name, {**read()[name], 'last_frame': text}); return
    designs.register(a.minutes)
    os.chdir(ROOT)                                                        # run folders: runs/approaches/<name>, relative
    for name, (desc, args) in approaches(a.minutes).items():
        if a.only and name not in a.only: continue
        print(f"=== {name}: {desc}", flush=True)
        entry = run(name, desc, args, a.minutes)
        update_json(out, name, entry)
        print(json.dumps({k: v for k, v in entry.items() if k not in ('model', 'copy_last', 'blank')}), flush=True)

if __name__ == '__main__': main()
