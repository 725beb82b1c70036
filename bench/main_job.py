"""The main job's approaches, measured: which forecaster beats copy-last on all four metrics in minutes of CPU.

Each approach is one `mmnist_train` run on the standard protocol (64x64, two digits, 10 -> 10, the fixed test set
of 1,000 sequences of held-out digits), for the wall-clock budget of the main job unless it says otherwise. The
results (the four metrics of each run and of copy-last, the minutes, the steps, the sequences seen) go to
results/main_job_approaches.json, which the CLI notebook and the README read; the run folders go to
runs/approaches/<name>.

Usage: python bench/main_job.py [--only NAME ...] [--minutes M]
"""
import argparse, json, sys, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore', message='.*torch.jit.script.*is deprecated')
from moving_mnist.cli import train_main

ROOT = Path(__file__).resolve().parents[1]

def approaches(minutes):
    "name -> (description, mmnist_train arguments)"
    m = str(minutes)
    return {
        'flow_warp': ("FlowWarp (1.35 M): a U-Net predicts a flow per future frame, the last frame is warped (the main job)", []),
        'flow_warp_short': ("FlowWarp, a third of the budget", ['--minutes', f'{minutes / 3:g}']),
        'simvp_small': ("SimVP-IncepU, small preset (1.9 M), fastai recipe: an MSE generator", ['--arch', 'simvp', '--preset', 'small', '--recipe', 'fastai', '--minutes', m, '--n_train', '1600']),
        'conv_gru_small': ("ConvGRU encoder-decoder of the original library, small preset", ['--arch', 'conv_gru', '--preset', 'small', '--minutes', m, '--n_train', '1600']),
    }

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only', nargs='*', default=None, help="approaches to run (default: all)")
    ap.add_argument('--minutes', type=float, default=6., help="wall-clock budget of each run (the main job's)")
    ap.add_argument('--out', default=str(ROOT/'results'/'main_job_approaches.json'))
    a = ap.parse_args()
    out = Path(a.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    for name, (desc, args) in approaches(a.minutes).items():
        if a.only and name not in a.only: continue
        print(f"=== {name}: {desc}", flush=True)
        t0 = time.time()
        res = train_main(args + ['--out', str(ROOT/'runs'/'approaches'/name), '--overwrite', '--quiet'])
        results[name] = {'description': desc, 'args': args, 'cpu_minutes': round((time.time() - t0) / 60, 2),
                         'train_minutes': round(res['run']['train_seconds'] / 60, 2), 'steps': res['run']['steps'],
                         'sequences_seen': res['run']['sequences_seen'], 'parameters': res['run']['parameters'],
                         **{k: {m: round(res[k][m], 4) for m in ('mse', 'mae', 'psnr', 'ssim')} for k in ('model', 'copy_last')},
                         'device': res['config']['versions']['device_name']}
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2))
        print(json.dumps(results[name]), flush=True)

if __name__ == '__main__': main()
