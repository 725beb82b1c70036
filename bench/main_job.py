"""The main job's approaches, measured: how far ahead each forecaster beats both baselines, for how many CPU minutes.

Each approach is one `mmnist_train` run on the standard protocol (64x64, two digits, 10 -> 10, the fixed test set of
1,000 sequences of held-out digits), with a relative run folder, as a user types it. The results (the four metrics of
the model and of both baselines, copy-last and the blank frame, their per-frame MSE and SSIM, the horizon, the
minutes, the steps, the sequences seen) go to results/main_job_approaches.json, which the CLI notebook reads; the run
folders go to runs/approaches/<name>.

Usage: python bench/main_job.py [--only NAME ...] [--minutes M]
"""
import argparse, json, os, sys, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore', message='.*torch.jit.script.*is deprecated')
from moving_mnist.cli import train_main

ROOT = Path(__file__).resolve().parents[1]

def approaches(minutes):
    "name -> (description, mmnist_train arguments)"
    m = str(minutes)
    return {
        'digit_tracker': ("DigitTracker: tracks each digit, cuts it out, fits its bouncing motion, renders it forward (no gradient "
                          "training: its constants are estimated from the training sequences); the main job", []),
        'digit_tracker_no_bounce': ("DigitTracker without the bounce anywhere: straight motion fitted and forecast", ['--model', '{"bounce": false}']),
        'digit_tracker_no_reflection': ("DigitTracker that fits the bounces of the inputs but forecasts straight on (no reflection in the forecast)",
                                        ['--model', '{"bounce": "fit_only"}']),
        'digit_tracker_no_speed': ("DigitTracker without the speed constraint: y and x velocities fitted independently", ['--model', '{"speed_constraint": false}']),
        'flow_warp': ("FlowWarp (1.35 M): a U-Net predicts a backward flow per future frame, the last frame is warped",
                      ['--arch', 'flow_warp', '--minutes', m]),
        'simvp_small': ("SimVP-IncepU, small preset (1.9 M), fastai recipe: an MSE generator",
                        ['--arch', 'simvp', '--preset', 'small', '--recipe', 'fastai', '--minutes', m, '--n_train', '1600']),
    }

def summary(res:dict) -> dict:
    "The figures of a run kept in the approaches file"
    keep = lambda r: {**{m: round(r[m], 4) for m in ('mse', 'mae', 'psnr', 'ssim')},
                      'per_frame': {m: [round(v, 4) for v in r['per_frame'][m]] for m in ('mse', 'ssim')}}
    return {k: keep(res[k]) for k in ('model', 'copy_last', 'blank')} | {'horizon': res['horizon']}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only', nargs='*', default=None, help="approaches to run (default: all)")
    ap.add_argument('--minutes', type=float, default=6., help="wall-clock training budget of the learned approaches")
    ap.add_argument('--out', default=str(ROOT/'results'/'main_job_approaches.json'))
    a = ap.parse_args()
    out = Path(a.out).absolute()
    results = json.loads(out.read_text()) if out.exists() else {}
    os.chdir(ROOT)                                                    # run folders: runs/approaches/<name>, relative
    for name, (desc, args) in approaches(a.minutes).items():
        if a.only and name not in a.only: continue
        print(f"=== {name}: {desc}", flush=True)
        t0 = time.time()
        res = train_main(args + ['--out', f'runs/approaches/{name}', '--overwrite', '--quiet'])
        run = res['run']
        results[name] = {'description': desc, 'args': args, 'cpu_minutes': round((time.time() - t0) / 60, 2),
                         'train_minutes': round(run['train_seconds'] / 60, 2), 'steps': run['steps'],
                         'sequences_seen': run['sequences_seen'], 'parameters': run['parameters'], **summary(res),
                         'device': res['config']['versions']['device_name']}
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2))
        print(json.dumps({k: v for k, v in results[name].items() if k not in ('model', 'copy_last', 'blank')}), flush=True)

if __name__ == '__main__': main()
