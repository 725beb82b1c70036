"""The training examples' results, recovered from their stored runs: per-frame values of each model and both baselines.

The examples were run (30 to 110 CPU minutes each) before their results were kept as files; what they kept is the notebook
output: the overall metrics (`result_summary`) and the per-frame plot (`plot_per_frame`). This script recovers each model's
per-frame MSE and SSIM from that stored plot, without retraining, so that the examples can be re-judged with the skill
and the horizon (skill >= 0.5) and their prose can read a file:

- the baselines' per-frame values are recomputed exactly (the fixed test set is deterministic: the same sequences, the
  same copy-last and blank frame, binarised at the example's threshold where it measures masks);
- each panel's pixel rows are calibrated on the baselines' markers (a robust linear fit of the known values against the
  rows of the copy-last and blank-frame markers), then the model's markers are read at each forecast frame;
- the check: the mean of the recovered per-frame values against the overall figure the run printed (`result_summary`).

Usage: python bench/example_results.py   (writes results/examples/<notebook>.json; example 06 writes its own file when run)
"""
import base64, json, re, sys
from pathlib import Path
import numpy as np, torch
from PIL import Image
from moving_mnist.all import make_test_set, mse_per_frame, mae_per_frame, psnr_per_frame, ssim_per_frame, skill_summary, write_json

ROOT = Path(__file__).resolve().parents[1]
COLOURS = {'blue': (31, 119, 180), 'orange': (255, 127, 14), 'black': (0, 0, 0), 'grey': (127, 127, 127)}

# notebook -> (n_in, n_out, threshold, {colour: (label, index of its result_summary output)}, colour of copy-last in its plot)
EXAMPLES = {
    '01_train_example': (5, 5, None, {'blue': ('ConvGRU', 0)}, 'black'),
    '02_train_cross_entropy': (5, 5, 0.7, {'blue': ('ConvGRU, masks', 0)}, 'black'),
    '03_train_seq2seq': (5, 5, None, {'blue': ('Seq2Seq', 1), 'orange': ('Seq2SeqPhy', 0)}, 'black'),
    '04_train_phydnet': (10, 10, None, {'blue': ('PhyDNet', 0)}, 'black'),
    '05_train_simvp': (10, 10, None, {'blue': ('SimVP-gSTA', 0)}, 'orange'),     # stored before copy-last was drawn in black
}

def stored_outputs(nb_path):
    "The per-frame plot (PNG bytes), the printed `result_summary` dicts and provenance lines of a stored run"
    nb = json.loads(Path(nb_path).read_text())
    png, summaries, provenance = None, [], []
    for c in nb['cells']:
        src = ''.join(c['source'])
        for o in c.get('outputs', []):
            d = o.get('data', {})
            if 'plot_per_frame(' in src and 'image/png' in d: png = base64.b64decode(d['image/png'])
            t = ''.join(d.get('text/plain', []))
            if t.startswith("{'model'") and "'horizon'" in t: summaries.append(eval(t, {}))    # a dict literal the notebook printed
            if o.get('output_type') == 'stream': provenance += [l for l in ''.join(o['text']).splitlines() if 'trained on' in l]
    return png, summaries, provenance

def _panels(im):
    blk = im.sum(-1) < 60
    rows = [r for r in range(im.shape[0]) if blk[r].sum() > 0.25 * im.shape[1]]
    cols = [c for c in range(im.shape[1]) if blk[:, c].sum() > 0.45 * (max(rows) - min(rows))]
    def groups(v):
        g = [[v[0]]]
        for a in v[1:]:
            if a - g[-1][-1] <= 2: g[-1].append(a)
            else: g.append([a])
        return [float(np.mean(x)) for x in g]
    rs, cs = groups(rows), groups(cols)
    return (rs[0], rs[-1]), [(cs[i], cs[i + 1]) for i in range(0, len(cs), 2)]

def _mask(im, colour):
    "Pixels of `colour`, also where seen through the legend's translucent box (the same hue, lighter)"
    c = np.array(COLOURS[colour], float)
    exact = np.abs(im - c).max(-1) <= (30 if colour == 'black' else 12 if colour == 'grey' else 40)
    if colour in ('black', 'grey'): return exact
    t = (255 - im.astype(float)) / np.maximum(255 - c, 1)
    return exact | ((t.min(-1) > 0.12) & (t.max(-1) - t.min(-1) < 0.12))

def _clusters(m, top, bot, left, right, n, half=4):
    "Per forecast frame (the axes span frames 0.5 .. n + 0.5), the row clusters of mask `m` at that frame's x: (centre row, size)"
    out = []
    for f in range(1, n + 1):
        x = int(round(left + (f - 0.5) / n * (right - left)))
        rr = np.nonzero(m[int(top) + 3:int(bot) - 2, x - half:x + half + 1].any(1))[0] + int(top) + 3
        cl = []
        for r in rr:
            if cl and r - cl[-1][-1] <= 2: cl[-1].append(r)
            else: cl.append([r])
        out.append([(float(np.mean(c)), len(c)) for c in cl])
    return out

def _calibrate(pix, vals):
    "value = a * row + b, from the pair of baseline markers whose line most others lie on (within 1.5 px), refitted on those"
    p, v = np.array(pix), np.array(vals)
    best = None
    for i in range(len(p)):
        for j in range(i + 1, len(p)):
            if abs(p[i] - p[j]) < 5: continue
            a = (v[j] - v[i]) / (p[j] - p[i]); b = v[i] - a * p[i]
            keep = np.abs(a * p + b - v) <= 1.5 * abs(a)
            if best is None or keep.sum() > best.sum(): best = keep
    a, b = np.polyfit(p[best], v[best], 1)
    return a, b, float(np.abs(a * p[best] + b - v[best]).max())

def read_plot(png, n, baselines, colours, copy_last_colour='black'):
    "Per panel (MSE, SSIM): each model colour's per-frame values, and the calibration's largest residual on the baselines"
    import io
    im = np.asarray(Image.open(io.BytesIO(png)).convert('RGB')).astype(int)
    (top, bot), pans = _panels(im)
    out = []
    for (left, right), base in zip(pans, baselines):
        pix, vals = [], []
        for colour, key in ((copy_last_colour, 'copy_last'), ('grey', 'blank')):
            for c, v in zip(_clusters(_mask(im, colour), top, bot, left, right, n), base[key]):
                if c: pix.append(max(c, key=lambda q: q[1])[0]); vals.append(v)
        a, b, err = _calibrate(pix, vals)
        curves = {}
        for colour in colours:
            cands = _clusters(_mask(im, colour), top, bot, left, right, n)
            rows = [max(c, key=lambda q: q[1])[0] if c else None for c in cands]
            for i, c in enumerate(cands):                     # several clusters (the legend's sample line): the one on the curve
                nb = [rows[j] for j in (i - 1, i + 1) if 0 <= j < n and rows[j] is not None and len(cands[j]) == 1]
                if len(c) > 1 and nb: rows[i] = min(c, key=lambda q: abs(q[0] - np.mean(nb)))[0]
            curves[colour] = [float(a * r + b) for r in rows]
        out.append({'curves': curves, 'calibration_error': err, 'units_per_pixel': float(abs(a))})
    return out

def baselines(n_in, n_out, th):
    "Both baselines on the fixed test set, exactly as `evaluate_with_baselines` measures them"
    xt, yt = make_test_set(n_in=n_in, n_out=n_out)
    x, y = xt.float() / 255, yt.float() / 255
    if th is not None: x, y = (x > th).float(), (y > th).float()
    res = {}
    for k, p in (('copy_last', x[:, -1:].expand_as(y)), ('blank', torch.zeros_like(y))):
        pf = {m: f(p, y).mean(0).tolist() for m, f in (('mse', mse_per_frame), ('mae', mae_per_frame), ('psnr', psnr_per_frame), ('ssim', ssim_per_frame))}
        res[k] = {**{m: float(np.mean(v)) for m, v in pf.items()}, 'per_frame': pf}
    return res, len(xt)

def main():
    out_dir = ROOT/'results'/'examples'
    for name, (n_in, n_out, th, models, cl_colour) in EXAMPLES.items():
        png, summaries, provenance = stored_outputs(ROOT/'nbs'/'examples'/f'{name}.ipynb')
        base, n_test = baselines(n_in, n_out, th)
        panels = read_plot(png, n_out, [{k: base[k]['per_frame'][m] for k in base} for m in ('mse', 'ssim')], list(models), cl_colour)
        result = {'source': (f"the stored run of nbs/examples/{name}.ipynb: overall figures as it printed them (result_summary); per-frame MSE and "
                             f"SSIM read off its stored per-frame plot by bench/example_results.py, calibrated on the baselines' markers; "
                             f"baselines recomputed exactly on the same {n_test:,} test sequences"),
                  'n_test': n_test, 'n_in': n_in, 'n_out': n_out, 'threshold': th, 'models': {}}
        for colour, (label, idx) in models.items():
            s = summaries[idx]['model']
            pf = {'mse': panels[0]['curves'][colour], 'ssim': panels[1]['curves'][colour]}
            r = {'model': {**s, 'per_frame': pf}, **base}
            check = {m: {'printed': s[m], 'mean_of_recovered': float(np.mean(pf[m])), 'calibration_error': panels[i]['calibration_error']}
                     for i, m in enumerate(('mse', 'ssim'))}
            prov = next((l for l in provenance if l.startswith(label + ' ')), provenance[0] if provenance else None)
            result['models'][label] = {**r, **skill_summary(r), 'provenance': prov, 'recovery_check': check}
            print(f"{name} {label}: horizon {result['models'][label]['horizon']} (skill >= 0.5); recovered means "
                  f"MSE {check['mse']['mean_of_recovered']:.2f} (printed {s['mse']}), SSIM {check['ssim']['mean_of_recovered']:.4f} (printed {s['ssim']}); "
                  f"skill MSE {[round(v, 2) for v in result['models'][label]['skill']['mse']]}, SSIM {[round(v, 2) for v in result['models'][label]['skill']['ssim']]}")
        write_json(out_dir/f'{name}.json', result)

if __name__ == '__main__': main()
