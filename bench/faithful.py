"""Faithfulness of the re-implemented models to their originals (OpenSTL, the official PhyDNet code), measured side by side.

For every registered architecture with an original (`ARCHS[name].checkpoints`: 'openstl' or 'phydnet'), at the published
configuration (OpenSTL's `configs/mmnist/*.py`, PhyDNet's `main.py`; ours `ARCHS[name].build(10, 10, preset='default')`):
  1. parameter counts: ours, the original's, and those of the original's tensors its training loss reaches (`.grad is
     not None` after one backward of the original's own training step);
  2. forecasts of the same batch after a weight transplant (the original's state dict, saved to a temporary file, read
     by `import_checkpoint`): the largest absolute difference, float32, in eval mode and in train mode (both seeded with
     the same `torch.manual_seed` right before each of 3 forwards, with their means and stds; at the published
     configurations nothing is drawn at random, and MIM's forecasts change from draw to draw only by the MIMS state that
     OpenSTL carries from one batch to the next, which ours carries too);
  3. `--steps N` (default 20) optimisation steps of the published recipe from the same initial weights on the same
     batches: ours (`mmnist_learner(dls, name, recipe='published')` + `fit_recipe`, stopped after N steps) beside the
     original's own training code (OpenSTL's `training_step` with its `get_optim_scheduler` and a OneCycleLR over its
     200 x 625 steps; PhyDNet's `train_on_batch`, compiled from its `main.py`, with its Adam): per step the loss and the
     learning rate, the first step's gradients, then the largest weight difference. Scheduled-sampling masks are drawn by
     OpenSTL's own `schedule_sampling` / `reserve_schedule_sampling_exp` (as its method calls them) and injected into both;
     the JSON keeps both sides' sampling probabilities per step. Where the weights differ by more than 1e-5, the
     original is run twice more (`noise_floor`): as it is (`repeat`: on a CPU its own runs need not agree bit for bit)
     and from its initial weights moved by float32 rounding (`perturbed`): how far it drifts from itself. PredRNN, PredRNNv2, PredRNN++ and MIM take these steps at the published 128 channels per layer
     (`--steps_hidden 64` in both codes: about a quarter of the CPU time, for a quick check);
  4. `--later_steps N` (default 20) steps again, for the architectures whose recipe feeds true frames with a probability
     that changes in training, in the middle of that schedule: at the first steps it is about 1 and nearly every mask
     is all ones, so the forecast path in training would go unchecked. OpenSTL's iteration 30,000 (our epoch 48 of 625
     batches, resumed by `fit_recipe(start_epoch=48)`; the original's OneCycleLR stepped 30,000 times and its sampling
     functions at that iteration: scheduled sampling 0.4, reverse scheduled sampling 0.82 for the inputs and 0.4 for the
     targets) and PhyDNet's epoch 167 (main.py's ratio 0.499; one uniform draw per batch, which each side compares with
     its own probability, as main.py's `random.random() < ratio`). Weights and batches are fresh, as for the first steps.

A run at the published widths takes hours on one CPU thread (the JSON's header and each entry give their `seconds`;
`FAITHFUL_THREADS` sets the threads); `--archs` and `--update` redo some entries of an existing JSON, `--parts` some
parts of them (`--parts later --update`).

The originals are imported from their work trees (`--openstl`, `--phydnet`, put on `sys.path`); nothing of theirs is
copied here. Optional dependencies of this bench, never of the library: PyTorch Lightning (OpenSTL's methods derive from
`LightningModule`; e.g. `pip install --target DIR pytorch_lightning` and `--pythonpath DIR`), scipy (PhyDNet's moment
constraint). OpenSTL's package imports a few modules its models never use (`cv2` for its datasets and metrics, `pywt`
and `einops` for WaST); when they are missing they are stubbed with empty modules, and the JSON says which.

Usage:
  python bench/faithful.py --openstl /work/scratch/orig/chengtan9907+OpenSTL --phydnet /work/scratch/orig/vincent-leguen+PhyDNet \
      --pythonpath /work/scratch/pl [--archs simvp,phydnet] [--steps 20] [--steps_hidden 0] [--later_steps 20] [--parts compare,steps,later] \
      [--update] [--out results/faithful.json]
"""
import argparse, ast, datetime, importlib, json, os, random, subprocess, sys, tempfile, time, types, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import numpy as np, torch

ROOT = Path(__file__).resolve().parents[1]

# arch -> (OpenSTL method, its config under configs/mmnist/)
OPENSTL = {'simvp': ('simvp', 'simvp/SimVP_IncepU.py'), 'simvp_gsta': ('simvp', 'simvp/SimVP_gSTA.py'), 'tau': ('tau', 'TAU.py'),
           'simvp_moga': ('simvp', 'simvp/SimVP_MogaNet.py'), 'simvp_van': ('simvp', 'simvp/SimVP_VAN.py'),
           'simvp_convnext': ('simvp', 'simvp/SimVP_ConvNeXt.py'), 'conv_lstm': ('convlstm', 'ConvLSTM.py'),
           'predrnn': ('predrnn', 'PredRNN.py'), 'predrnnpp': ('predrnnpp', 'PredRNNpp.py'), 'mim': ('mim', 'MIM.py'),
           'predrnnv2': ('predrnnv2', 'PredRNNv2.py'), 'mau': ('mau', 'MAU.py')}
STEPS_ARCHS = ('simvp', 'simvp_gsta', 'tau', 'simvp_moga', 'simvp_van', 'simvp_convnext', 'phydnet', 'conv_lstm', 'mau',
               'predrnn', 'predrnnv2', 'predrnnpp', 'mim')
NARROW = ('predrnn', 'predrnnv2', 'predrnnpp', 'mim')     # their steps can run narrower on a CPU (--steps_hidden)
# the architectures whose recipe feeds true frames with a probability that changes in training, and where its middle is
SAMPLING_ARCHS = ('phydnet', 'conv_lstm', 'mau', 'predrnn', 'predrnnv2', 'predrnnpp', 'mim')
LATER = {'openstl': 48,    # epoch 48 of 625 iterations = iteration 30,000: scheduled sampling 0.4, reverse 0.82 / 0.4, OneCycleLR at 24%
         'phydnet': 167}   # main.py: teacher forcing max(0, 1 - 0.003 * 167) = 0.499
PARTS = ('compare', 'steps', 'later')
STUBBED = []

def git_commit(tree:Path) -> str|None:
    "The commit of a work tree: its own git, else the mirror's `repo` git dir of the same name (`/work/.mirror/<owner+name>/repo`)"
    for args in (['-C', str(tree)], ['--git-dir', str(Path('/work/.mirror')/tree.name/'repo')]):
        try: return subprocess.run(['git', *args, 'log', '-1', '--format=%H'], capture_output=True, text=True, check=True).stdout.strip() or None
        except (subprocess.CalledProcessError, FileNotFoundError): pass
    return None

def _stub_missing(*names):
    "Empty modules for imports the models never use"
    for n in names:
        try: importlib.import_module(n)
        except ImportError:
            m = sys.modules[n] = types.ModuleType(n); STUBBED.append(n)
            def _attr(name, _n=n):     # constants read at import time (cv2.COLORMAP_JET as a default argument): a placeholder
                if name.startswith('__'): raise AttributeError(name)
                return f'<stub {_n}.{name}>'
            m.__getattr__ = _attr

# timm renamed two optimisers OpenSTL imports (its Adam path uses neither): `timm.optim.nadam.Nadam`, `timm.optim.radam.RAdam`
TIMM_ALIASES = {'timm.optim.nadam': ('Nadam', 'NAdamLegacy'), 'timm.optim.radam': ('RAdam', 'RAdamLegacy')}
ALIASED = []

def _alias_timm():
    for mod, (old, new) in TIMM_ALIASES.items():
        m = importlib.import_module(mod)
        if not hasattr(m, old) and hasattr(m, new): setattr(m, old, getattr(m, new)); ALIASED.append(f"{mod}.{old} = {new}")

# ---------------------------------------------------------------- OpenSTL
def openstl_hparams(tree:Path, arch:str, steps_per_epoch:int=625, overrides:dict|None=None) -> dict:
    "The hyper-parameters `tools/train.py` gives the method: its parser's defaults, the config file, the dataset's constants"
    from openstl.utils import create_parser, default_parser, load_config, update_config
    from openstl.datasets.dataset_constant import dataset_parameters
    method, cfg = OPENSTL[arch]
    config = create_parser().parse_args([]).__dict__
    config.update(dataname='mmnist', method=method)
    import contextlib, io
    with contextlib.redirect_stdout(io.StringIO()): loaded = load_config(str(tree/'configs'/'mmnist'/cfg))
    config = update_config(config, loaded, exclude_keys=['method', 'val_batch_size', 'drop_path', 'warmup_epoch'])
    for k, v in default_parser().items():
        if config.get(k) is None: config[k] = v
    config.update(dataset_parameters['mmnist'])      # BaseExperiment: in_shape, pre/aft/total_length
    config.update(method=method, metrics=['mse', 'mae'], steps_per_epoch=steps_per_epoch, device='cpu', **(overrides or {}))
    return config

def openstl_method(tree:Path, arch:str, **kw):
    from openstl.methods import method_maps
    hp = openstl_hparams(tree, arch, **kw)
    return method_maps[hp['method']](**hp), hp

# ---------------------------------------------------------------- PhyDNet
def phydnet_namespace(tree:Path) -> dict:
    "The official model as `main.py` builds it, and `train_on_batch` compiled from `main.py`'s own source (main.py trains on import)"
    from models.models import PhyCell, ConvLSTM, EncoderRNN
    from constrain_moments import K2M
    import random
    dev = torch.device('cpu')
    src = (tree/'main.py').read_text()
    fn = next(n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name == 'train_on_batch')
    constraints = torch.zeros((49, 7, 7))                 # main.py: the identity over the 7x7 moments
    for i in range(49): constraints[i, i // 7, i % 7] = 1
    ns = dict(torch=torch, random=random, K2M=K2M, device=dev, constraints=constraints)
    exec(compile(ast.Module([fn], []), str(tree/'main.py'), 'exec'), ns)
    def build():
        phycell = PhyCell(input_shape=(16, 16), input_dim=64, F_hidden_dims=[49], n_layers=1, kernel_size=(7, 7), device=dev)
        convcell = ConvLSTM(input_shape=(16, 16), input_dim=64, hidden_dims=[128, 128, 64], n_layers=3, kernel_size=(3, 3), device=dev)
        return EncoderRNN(phycell, convcell, dev)
    ns['build'] = build
    return ns

def phydnet_forecast(enc, x, n_out):
    "main.py's `evaluate`: encode the inputs, then feed the forecast back"
    for ei in range(x.shape[1] - 1): enc(x[:, ei], ei == 0)
    inp, preds = x[:, -1], []
    for _ in range(n_out):
        _, _, inp, _, _ = enc(inp, False, False); preds.append(inp)
    return torch.stack(preds, 1)

# ---------------------------------------------------------------- comparisons
def nparams(m): return sum(p.numel() for p in m.parameters())
def maxdiff(a, b): return float((a.float() - b.float()).abs().max())
def forecast(out): return out[0] if isinstance(out, (tuple, list)) else out

def transplant(orig_module, arch, source, arch_config=None):
    "Ours, with the original's weights, through a checkpoint file and `import_checkpoint`"
    from moving_mnist.checkpoints import import_checkpoint
    with tempfile.TemporaryDirectory() as d:
        torch.save(orig_module.state_dict(), Path(d)/'orig.pth')
        return import_checkpoint(Path(d)/'orig.pth', arch, source, arch_config=arch_config)

def weight_diff(ours, orig_module, arch, source, where=False):
    "The largest difference between our weights and the original's, converted as `import_checkpoint` converts them (and its tensor)"
    from moving_mnist.registry import get_arch
    from moving_mnist.checkpoints import read_state_dict
    sd = get_arch(arch).checkpoints[source](read_state_dict(orig_module.state_dict()))
    d, k = max((maxdiff(v, sd[k]), k) for k, v in ours.state_dict().items() if v.is_floating_point())
    return (d, k) if where else d

def compare(arch:str, a, x, y, n_draws:int=3) -> dict:
    from moving_mnist.registry import get_arch
    ours_fresh = get_arch(arch).build(10, 10, preset='default', size=(64, 64))
    r = dict(arch=arch, source='phydnet' if arch == 'phydnet' else 'openstl', batch=list(x.shape))
    torch.manual_seed(0)
    if arch == 'phydnet':
        ns = phydnet_namespace(a.phydnet); orig = ns['build']()
        r['original'] = 'PhyDNet main.py: EncoderRNN(PhyCell(64, [49], 7x7), ConvLSTM(64, [128, 128, 64], 3x3))'
        holder = orig
        run_orig = lambda xx: phydnet_forecast(orig, xx, y.shape[1])
        def used():
            ns['train_on_batch'](x, y, orig, torch.optim.SGD(orig.parameters(), lr=0.), torch.nn.MSELoss(), 1.)
            return orig
    else:
        method, hp = openstl_method(a.openstl, arch)
        r['original'] = f"OpenSTL {hp['method']} ({OPENSTL[arch][1]})"
        holder, orig = method, method.model
        run_orig = lambda xx: method(xx, y)
        def used():
            method.zero_grad(set_to_none=True)
            method.training_step((x, y), 0).backward()
            return orig
    r['params'] = dict(ours=nparams(ours_fresh), original=nparams(orig))
    ours = transplant(holder, arch, r['source'])
    r['params']['ours_after_import'] = nparams(ours)
    res = {}
    for mode in ('eval', 'train'):
        for m in (ours, holder): m.train(mode == 'train')
        outs_o, outs_r = [], []
        with torch.no_grad():
            for i in range(n_draws if mode == 'train' else 1):
                torch.manual_seed(100 + i); o = forecast(ours(x))
                torch.manual_seed(100 + i); p = run_orig(x)
                outs_o.append(o); outs_r.append(p)
        res[mode] = dict(max_abs_diff=max(maxdiff(o, p) for o, p in zip(outs_o, outs_r)),
                         forecast_absmax=float(outs_r[0].abs().max()))
        if mode == 'train':   # in distribution too, in case the random streams did not line up
            so, sr = torch.stack(outs_o), torch.stack(outs_r)
            res[mode].update(draws=n_draws, mean=[float(so.mean()), float(sr.mean())], std=[float(so.std()), float(sr.std())],
                             draw_to_draw=float((sr - sr[0]).abs().max()))
    r['forecast'] = res
    holder.train()
    torch.manual_seed(1); orig_used = used()
    r['params']['original_used'] = sum(p.numel() for p in orig_used.parameters() if p.grad is not None)
    r['params']['original_unused'] = sorted(n for n, p in orig_used.named_parameters() if p.grad is None)
    return r

# ---------------------------------------------------------------- the first optimisation steps
def grads_as_ours(named_grads:dict, arch:str, source:str) -> dict:
    "The original's gradients under our names (converted as its weights are)"
    from moving_mnist.registry import get_arch
    return get_arch(arch).checkpoints[source](dict(named_grads))

def grad_diff(ours:dict, orig:dict) -> dict:
    common = [k for k in ours if k in orig]
    d = max(maxdiff(ours[k], orig[k]) for k in common)
    scale = max(float(orig[k].abs().max()) for k in common)
    return dict(grad_max_abs_diff=d, grad_max_abs=scale, grad_max_rel_diff=d / max(scale, 1e-30), grad_tensors=len(common),
                grad_missing=sorted(set(ours) ^ set(orig)))

class Record:
    "Records each step's loss, lr, batch (and masks); the first step's gradients; stops the fit after `n` steps"
    def __init__(self, n, masks=None, draws=None, original_pr=None):
        self.n, self.masks, self.loss, self.lr, self.batches, self.tf, self.flags, self.grads = n, masks, [], [], [], [], [], None
        self.draws, self.original_pr = draws, original_pr     # PhyDNet: one uniform draw per batch, compared by each side with its own probability
    def cb(self):
        from fastai.callback.core import Callback, CancelFitException
        rec = self
        class _Rec(Callback):
            order = 6      # after TeacherForcing (5), which puts the targets and its mask in xb
            def before_batch(self):
                x, y = self.xb[0], self.yb[0]
                rec.batches.append((x.detach().clone(), y.detach().clone()))
                tf = getattr(self, 'teacher_forcing', None)
                if rec.masks is not None:      # the original's scheduled sampling draws the masks; ours are replaced by them
                    flag, prob = rec.masks(len(rec.batches) - 1, x.shape[0])
                    rec.flags.append(flag)
                    coins = flag[:, :, 0, 0, 0] > 0.5            # one coin per sequence and step, broadcast over the patch
                    n_in = x.shape[1]
                    if coins.shape[1] == y.shape[1] - 1:        # scheduled sampling: forecast steps only
                        tf_mask = torch.cat([coins, torch.zeros_like(coins[:, :1])], 1)
                        self.learn.xb = (x, y, tf_mask)
                    else:                                        # reverse scheduled sampling: input steps, then forecast steps
                        in_mask, fc = coins[:, :n_in - 1], coins[:, n_in - 1:]
                        tf_mask = torch.cat([fc, torch.zeros_like(fc[:, :1])], 1)
                        self.learn.xb = (x, y, tf_mask, in_mask)
                    rec.tf.append(dict(ours_pr=None if tf is None else tf.pr, ours_in_pr=None if tf is None else tf.in_pr, original_pr=prob,
                                       fed=float(coins.float().mean())))
                elif rec.draws is not None and tf is not None:   # the same draw against each side's probability (main.py: random.random() < ratio)
                    u = rec.draws[len(rec.batches) - 1]
                    self.learn.tf_mask = torch.full((x.shape[0], y.shape[1]), u < tf.pr, dtype=torch.bool, device=x.device)
                    self.learn.xb = (x, y, self.learn.tf_mask)
                    rec.tf.append(dict(ours_pr=tf.pr, original_pr=rec.original_pr, draw=u, ours_fed=u < tf.pr, original_fed=u < rec.original_pr))
                else:
                    m = getattr(self.learn, 'tf_mask', None)
                    rec.tf.append(None if m is None else dict(ours_pr=tf.pr if tf is not None else None, fed=float(m.float().mean())))
            def after_loss(self): rec.loss.append(float(self.learn.loss_grad)); rec.lr.append(float(self.opt.hypers[0]['lr']))
            def before_step(self):
                if rec.grads is None: rec.grads = {k: p.grad.detach().clone() for k, p in self.learn.model.named_parameters() if p.grad is not None}
            def after_batch(self):
                if len(rec.loss) >= rec.n: raise CancelFitException
        return _Rec()

def openstl_masks(arch, hp, start:int=0):
    "`masks(step, bs) -> (flag, probability)`: the original's own sampling functions, fed as its method feeds them, from iteration `start`"
    from openstl.utils import schedule_sampling, reserve_schedule_sampling_exp
    if not hp.get('scheduled_sampling') and not hp.get('reverse_scheduled_sampling'): return None
    eta = 1.0
    if arch != 'mau':                   # the eta OpenSTL's method holds after `start` calls of schedule_sampling
        for itr in range(start): eta = eta - hp['sampling_changing_rate'] if itr < hp['sampling_stop_iter'] else 0.0
    state = dict(eta=eta)
    def masks(step, bs):
        step = start + step
        if hp.get('reverse_scheduled_sampling') == 1: return reserve_schedule_sampling_exp(step, bs, hp), None
        eta, flag = schedule_sampling(state['eta'], step, bs, hp)
        if arch != 'mau': state['eta'] = eta     # OpenSTL's MAU.training_step keeps its eta in a local: self.eta stays 1.0
        return flag, eta
    return masks

class _Replay:
    "Make the original's methods draw the recorded masks (its sampling functions, patched in the methods' modules)"
    def __init__(self, flags): self.flags = list(flags)
    def __enter__(self):
        self.saved = []
        for mod in ('openstl.methods.predrnn', 'openstl.methods.mau'):
            m = sys.modules[mod]
            for name, fn in (('schedule_sampling', lambda eta, itr, bs, args: (eta, self.flags.pop(0))),
                             ('reserve_schedule_sampling_exp', lambda itr, bs, args: self.flags.pop(0))):
                if hasattr(m, name): self.saved.append((m, name, getattr(m, name))); setattr(m, name, fn)
        return self
    def __exit__(self, *exc):
        for m, name, fn in self.saved: setattr(m, name, fn)

def run_original(arch, holder, ns, init, batches, flags, perturb:float=0., start:int=0, draws=None):
    "The original's own training code on `batches` from `init` (weights scaled by `1 + perturb * N(0, 1)` if `perturb`), its schedule at iteration (PhyDNet: epoch) `start`: losses, lrs, first gradients"
    holder.load_state_dict(init); holder.train()
    if perturb:
        g = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for p in holder.parameters(): p.mul_(1 + perturb * torch.randn(p.shape, generator=g))
    loss, lrs, grads = [], [], {}
    if arch == 'phydnet':
        orig = holder
        names = {id(p): k for k, p in orig.named_parameters()}
        class _Adam(torch.optim.Adam):     # main.py's optimiser; records the first step's gradients
            def step(self, closure=None):
                if not grads: grads.update({names[id(p)]: p.grad.detach().clone() for g in self.param_groups for p in g['params'] if p.grad is not None})
                return super().step(closure)
        opt = _Adam(orig.parameters(), lr=0.001)       # trainIters; ReduceLROnPlateau steps every 10 epochs only
        ratio = phydnet_ratio(start)
        saved = ns['random']
        if draws is not None: ns['random'] = types.SimpleNamespace(random=iter(list(draws)).__next__)   # train_on_batch's random.random()
        try:
            for x, y in batches:
                lrs.append(opt.param_groups[0]['lr'])
                loss.append(ns['train_on_batch'](x, y, orig, opt, torch.nn.MSELoss(), ratio) * y.shape[1])
        finally: ns['random'] = saved
    else:
        from openstl.core import get_optim_scheduler
        opt, sched, by_epoch = get_optim_scheduler(holder.hparams, holder.hparams.epoch, holder.model, holder.hparams.steps_per_epoch)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            for _ in range(start): sched.step()                        # the one-cycle where iteration `start` finds it
        with _Replay(flags):
            for i, (x, y) in enumerate(batches):
                l = holder.training_step((x, y), i)
                opt.zero_grad(); l.backward()
                if i == 0: grads = {k: p.grad.detach().clone() for k, p in holder.model.named_parameters() if p.grad is not None}
                lrs.append(opt.param_groups[0]['lr']); loss.append(float(l))
                opt.step(); sched.step()                               # Lightning: interval 'step'
    return loss, lrs, grads

def phydnet_ratio(epoch:int) -> float:
    "main.py's teacher-forcing ratio at `epoch` (trainIters: `np.maximum(0, 1 - epoch * 0.003)`)"
    return float(np.maximum(0, 1 - epoch * 0.003))

def steps(arch:str, a, n:int, bs:int, hidden:int=0, start_epoch:int=0) -> dict:
    "`n` steps of the published recipe, ours and the original's, from the same weights on the same batches, at epoch `start_epoch` (`hidden`: a narrower recurrent model)"
    from moving_mnist.data import get_mmnist_dls
    from moving_mnist.learner import mmnist_learner
    source = 'phydnet' if arch == 'phydnet' else 'openstl'
    r = dict(steps=n, bs=bs)
    if start_epoch:
        r['window'] = (f"epoch {start_epoch} of main.py (625 batches of 16 an epoch): teacher forcing {phydnet_ratio(start_epoch):.3f}, lr 1e-3 in both "
                       f"(no plateau reduction assumed; ours skips the epochs before)" if arch == 'phydnet' else
                       f"iteration {start_epoch * 625:,} (epoch {start_epoch} of 625 iterations): OneCycleLR and the sampling schedule there; "
                       f"weights and batches fresh, as for the first steps")
    ours_cfg, orig_cfg = None, None
    if hidden:
        ours_cfg, orig_cfg = dict(num_hidden=[hidden] * 4), dict(num_hidden=','.join([str(hidden)] * 4))
        r['config'] = f"num_hidden {orig_cfg['num_hidden']} in both (published: 128,128,128,128; the rest as published), for CPU time"
    torch.manual_seed(0); np.random.seed(0)
    masks = None
    if arch == 'phydnet':
        ns = phydnet_namespace(a.phydnet); orig = ns['build'](); holder = orig
        n_train = 10_000          # main.py: 10,000 sequences, batch 16; the plateau schedule acts every 10 epochs only
    else:
        holder, hp = openstl_method(a.openstl, arch, steps_per_epoch=10_000 // 16, overrides=orig_cfg); orig = holder.model
        n_train = hp['steps_per_epoch'] * bs    # our epoch as long as OpenSTL's, so that its one-cycle has OpenSTL's horizon
        masks = openstl_masks(arch, holder.hparams, start=start_epoch * hp['steps_per_epoch'])
    init = {k: v.clone() for k, v in holder.state_dict().items()}
    ours = transplant(holder, arch, source, ours_cfg)
    dls = get_mmnist_dls(10, 10, n_train=n_train, n_valid=bs, bs=bs, device='cpu')
    learn = mmnist_learner(dls, arch, recipe='published', metrics=[], arch_config=ours_cfg)
    learn.model.load_state_dict(ours.state_dict())
    draws = None
    if arch == 'phydnet' and start_epoch:    # one uniform draw per batch, fed to both (main.py draws it with random.random())
        rng = random.Random(0); draws = [rng.random() for _ in range(n)]
    rec = Record(n, masks, draws, phydnet_ratio(start_epoch) if arch == 'phydnet' else None)
    t0 = time.time()
    with learn.no_bar(), learn.no_logging(): learn.fit_recipe(cbs=[rec.cb()], start_epoch=start_epoch)
    r['ours_seconds'] = round(time.time() - t0, 1)
    r['ours'] = dict(loss=rec.loss, lr=rec.lr, recipe=repr(learn.recipe),
                     opt=type(getattr(learn.opt, 'opt', learn.opt)).__name__)
    if any(t is not None for t in rec.tf): r['teacher_forcing'] = rec.tf
    prs = [(t['ours_pr'], t['original_pr']) for t in rec.tf if t and t.get('ours_pr') is not None and t.get('original_pr') is not None]
    if prs: r['pr_first'], r['pr_max_abs_diff'] = list(prs[0]), max(abs(o - q) for o, q in prs)     # ours, the original's
    if masks is not None: r['masks'] = "drawn by the original's own sampling function (np.random seeded 0), injected into both"
    t0 = time.time()
    start = start_epoch if arch == 'phydnet' else start_epoch * hp['steps_per_epoch']
    loss, lrs, grads = run_original(arch, holder, ns if arch == 'phydnet' else None, init, rec.batches, rec.flags, start=start, draws=draws)
    if arch == 'phydnet': r['original_loss_note'] = "train_on_batch returns loss / target_length; multiplied back by 10"
    else: r['original_schedule'] = f"OneCycleLR over {holder.hparams.epoch} x {holder.hparams.steps_per_epoch} steps"
    r['original_seconds'] = round(time.time() - t0, 1)
    r['original'] = dict(loss=loss, lr=lrs)
    r['loss_max_abs_diff'] = max(abs(p - q) for p, q in zip(rec.loss, loss))
    r['loss_max_rel_diff'] = max(abs(p - q) / max(abs(q), 1e-12) for p, q in zip(rec.loss, loss))
    r['lr_max_abs_diff'] = max(abs(p - q) for p, q in zip(rec.lr, lrs))
    r['first_step'] = grad_diff(rec.grads, grads_as_ours(grads, arch, source))
    r['weight_max_abs_diff'], r['weight_max_abs_diff_at'] = weight_diff(learn.model, holder, arch, source, where=True)
    if r['weight_max_abs_diff'] > 1e-5:     # how far the original drifts from itself: run again as it is, then with rounding-size moves
        final = {k: v.clone() for k, v in holder.state_dict().items()}
        r['noise_floor'] = {}
        for what, perturb in (("the original run again, from the same initial weights on the same batches", 0.),
                              ("the original run again, its initial weights scaled by 1 + 2**-24 N(0, 1) (float32 rounding)", 2**-24)):
            t0 = time.time()
            loss2, _, grads2 = run_original(arch, holder, ns if arch == 'phydnet' else None, init, rec.batches, list(rec.flags), perturb=perturb,
                                            start=start, draws=draws)
            r['noise_floor']['repeat' if not perturb else 'perturbed'] = dict(what=what,
                loss_max_abs_diff=max(abs(p - q) for p, q in zip(loss2, loss)),
                loss_max_rel_diff=max(abs(p - q) / max(abs(q), 1e-12) for p, q in zip(loss2, loss)),
                first_step_grad_max_abs_diff=max(maxdiff(v, grads[k]) for k, v in grads2.items() if k in grads),
                weight_max_abs_diff=max(maxdiff(v, final[k]) for k, v in holder.state_dict().items() if v.is_floating_point()),
                seconds=round(time.time() - t0, 1))
    return r

# ---------------------------------------------------------------- main
def _floor(s:dict):
    "The original's drift from itself (largest of its noise-floor runs): loss, weights"
    nf = s.get('noise_floor')
    if not nf: return None
    runs = [nf] if 'what' in nf else list(nf.values())
    return max(r['loss_max_abs_diff'] for r in runs), max(r['weight_max_abs_diff'] for r in runs)

def _steps_cols(s:dict) -> str:
    if 'loss_max_abs_diff' not in s: return f"{'-':>5}"
    fl = _floor(s)
    return (f"{s['steps']:>5} {s['loss_max_abs_diff']:>9.1e} {s['lr_max_abs_diff']:>7.0e} {s['weight_max_abs_diff']:>8.1e} "
            + (f"{fl[0]:>8.1e}/{fl[1]:<8.1e}" if fl else f"{'-':>17}"))

def table(rows):
    h = (f"{'arch':15} {'ours':>11} {'original':>11} {'used':>11} {'eval diff':>9} {'train diff':>10} {'steps':>5} {'loss diff':>9} "
         f"{'lr diff':>7} {'w diff':>8} {'orig-orig loss/w':>17}")
    print(h); print('-' * len(h))
    for r in rows:
        if 'error' in r: print(f"{r['arch']:15} ERROR {r['error'][:90]}"); continue
        p, f, s = r['params'], r['forecast'], r.get('steps', {})
        print(f"{r['arch']:15} {p['ours']:>11,} {p['original']:>11,} {p['original_used']:>11,} {f['eval']['max_abs_diff']:>9.1e} "
              f"{f['train']['max_abs_diff']:>10.1e} {_steps_cols(s)}" + (f"  ({s['config'].split(' in both')[0]})" if s.get('config') else ''))
        if 'later' in r:
            s = r['later']; pr = f"; sampling probability ours {s['pr_first'][0]:.4f}, original {s['pr_first'][1]:.4f}" if 'pr_first' in s else ''
            print(f"{'  mid-schedule':15} {'':>11} {'':>11} {'':>11} {'':>9} {'':>10} {_steps_cols(s)}  ({s['window'].split(':')[0]}{pr}"
                  + (f"; {s['config'].split(' in both')[0]}" if s.get('config') else '') + ')')

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--openstl', type=Path, required=True, help="work tree of chengtan9907/OpenSTL")
    p.add_argument('--phydnet', type=Path, required=True, help="work tree of vincent-leguen/PhyDNet")
    p.add_argument('--pythonpath', default='', help="extra folders for the originals' dependencies (Lightning), ':'-separated")
    p.add_argument('--archs', default=None, help="comma-separated (default: every architecture with an original)")
    p.add_argument('--steps', type=int, default=20, help="optimisation steps to compare (0: none)")
    p.add_argument('--steps_archs', default=','.join(STEPS_ARCHS), help="architectures whose first steps are compared")
    p.add_argument('--steps_hidden', type=int, default=0, help=f"channels per layer of {', '.join(NARROW)} in the step comparison (0: the published 128)")
    p.add_argument('--later_steps', type=int, default=20, help="steps compared again in the middle of the sampling schedule (0: none): "
                   f"OpenSTL's iteration {LATER['openstl'] * 625:,}, PhyDNet's epoch {LATER['phydnet']}")
    p.add_argument('--later_archs', default=','.join(SAMPLING_ARCHS), help="architectures compared in the middle of their sampling schedule")
    p.add_argument('--parts', default=','.join(PARTS), help=f"what to run, of {', '.join(PARTS)} (with --update, the other parts of an entry are kept)")
    p.add_argument('--update', action='store_true', help="keep the other architectures' entries of an existing --out")
    p.add_argument('--bs', type=int, default=1, help="batch size of the forecast comparison")
    p.add_argument('--steps_bs', type=int, default=2, help="batch size of the step comparison")
    p.add_argument('--out', type=Path, default=ROOT/'results'/'faithful.json')
    a = p.parse_args(argv)
    parts = a.parts.split(',')
    if not set(parts) <= set(PARTS): p.error(f"--parts {a.parts}: expected some of {', '.join(PARTS)}")
    if 'compare' not in parts and not a.update: p.error("--parts without compare only adds to the entries of an existing --out: pass --update")
    torch.set_num_threads(int(os.environ.get('FAITHFUL_THREADS', '1')))
    for d in [a.openstl, a.phydnet, *filter(None, a.pythonpath.split(':'))]: sys.path.insert(0, str(Path(d).resolve()))
    _stub_missing('cv2', 'pywt', 'einops'); _alias_timm()
    from moving_mnist.registry import ARCHS
    from moving_mnist.data import get_mmnist_dls
    with_orig = [n for n, arch in ARCHS.items() if {'openstl', 'phydnet'} & set(arch.checkpoints)]
    archs = a.archs.split(',') if a.archs else with_orig
    bad = [n for n in archs if n not in with_orig]
    if bad: p.error(f"no original for {bad}; expected some of {with_orig}")
    torch.manual_seed(0)
    x, y = get_mmnist_dls(10, 10, n_train=a.bs, n_valid=a.bs, bs=a.bs, device='cpu', seed=0).valid.one_batch()
    x, y = torch.as_tensor(x).float().clone(), torch.as_tensor(y).float().clone()
    import pytorch_lightning as pl
    header = dict(header=True, date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
                  openstl=dict(tree=str(a.openstl), commit=git_commit(a.openstl)), phydnet=dict(tree=str(a.phydnet), commit=git_commit(a.phydnet)),
                  torch=torch.__version__, pytorch_lightning=pl.__version__, threads=torch.get_num_threads(), device='cpu', dtype='float32',
                  stubbed=[f"{n} (an empty module: imported by OpenSTL's package, unused by its models)" for n in STUBBED],
                  timm_aliases=[f"{x} (timm renamed it; OpenSTL imports it, its Adam path does not use it)" for x in ALIASED],
                  input="a Moving MNIST batch of the library's generator (validation split, seed 0)")
    rows, t_all = [], time.time()
    old = {r['arch']: r for r in json.loads(a.out.read_text())[1:]} if a.update and a.out.exists() else {}
    kept = [r for n, r in old.items() if n not in archs]
    for arch in archs:
        t0 = time.time()
        hidden = a.steps_hidden if arch in NARROW else 0
        try:
            r = compare(arch, a, x, y) if 'compare' in parts else {k: v for k, v in old[arch].items() if k != 'error'}
            if 'steps' in parts and a.steps and arch in a.steps_archs.split(','): r['steps'] = steps(arch, a, a.steps, a.steps_bs, hidden)
            if 'later' in parts and a.later_steps and arch in a.later_archs.split(','):
                r['later'] = steps(arch, a, a.later_steps, a.steps_bs, hidden, start_epoch=LATER[r['source']])
        except Exception as e:
            import traceback; traceback.print_exc()
            r = dict(arch=arch, error=f"{type(e).__name__}: {e}")
        r['seconds'] = round(time.time() - t0, 1) + (old.get(arch, {}).get('seconds', 0) if 'compare' not in parts else 0)
        rows.append(r); print(f"{arch}: {r['seconds']} s", flush=True)
        a.out.parent.mkdir(parents=True, exist_ok=True)
        order = {n: i for i, n in enumerate(with_orig)}
        a.out.write_text(json.dumps([{**header, 'seconds': round(time.time() - t_all, 1)}] + sorted(kept + rows, key=lambda r: order[r['arch']]), indent=1))
    table(sorted(kept + rows, key=lambda r: order[r['arch']]))
    print(f"total {time.time() - t_all:.0f} s; written to {a.out}")

if __name__ == '__main__': main()
