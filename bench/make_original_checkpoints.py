"""Checkpoint fixtures written by the originals' own code (OpenSTL, the official PhyDNet code), for `nbs/25_checkpoints.ipynb`.

Each fixture is a checkpoint file exactly as the original's training writes it, in a tiny configuration (so that it stays
small; frames of 32 x 32 pixels), beside an `.npz` holding one input batch (`x`) and the ORIGINAL model's forecast on it (`y`, eval mode, float32):
  - `openstl_simvp_gsta.ckpt`: OpenSTL's SimVP method (gSTA, hid_S=4, hid_T=8, N_S=2, N_T=2) fitted 2 epochs of one step on random data
    on the CPU by Lightning's `Trainer` with OpenSTL's `BestCheckpointCallback`, configured as `BaseExperiment` configures it
    (the `best.ckpt` it copies at the end of the second epoch's validation: weights under `model.`, with Lightning's `hyper_parameters`, `optimizer_states`,
    `lr_schedulers`, `callbacks`, `loops`, versions);
  - `openstl_predrnn.ckpt`: the same for OpenSTL's PredRNN (num_hidden '8,8', filter_size 3);
  - `openstl_simvp_gsta_state_dict.pth`: `torch.save(method.model.state_dict())`, the layout of the weights OpenSTL
    publishes (made by its earlier versions; keys without `model.`);
  - `phydnet_encoder.pth`: `torch.save(encoder.state_dict())` as PhyDNet's `main.py` saves its `EncoderRNN`. Its
    `EncoderRNN` builds its image encoders and decoders at a fixed width (nf=32, 350 k parameters, 1.4 MB); they are
    replaced by the original's own classes at nf=16 (`encoder_E(nf=16)`, `encoder_specific(32, 32)`, ...; their GroupNorms
    take 16 groups), with `PhyCell(input_dim=32, F_hidden_dims=[7], 7x7)` (its GroupNorm takes 7) and
    `ConvLSTM(input_dim=32, hidden_dims=[8, 32], 3x3)`.

Usage:
  python bench/make_original_checkpoints.py --openstl /work/scratch/orig/chengtan9907+OpenSTL \
      --phydnet /work/scratch/orig/vincent-leguen+PhyDNet --pythonpath /work/scratch/pl
"""
import argparse, os, shutil, sys, tempfile, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import numpy as np, torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'bench'))

SIZE = 32                                          # frames of 32 x 32 pixels (the published 64: 4x the fixtures' forecasts)
FRAMES = dict(in_shape=[10, 1, SIZE, SIZE])
SIMVP = dict(model_type='gSTA', hid_S=4, hid_T=8, N_S=2, N_T=2, **FRAMES)
PREDRNN = dict(num_hidden='8,8', filter_size=3, **FRAMES)

class _Frames(torch.utils.data.Dataset):
    "Random frames, with the attributes OpenSTL's `BaseDataModule` reads from a dataset"
    mean, std, data_name = 0, 1, 'mnist'
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.x, self.y = torch.rand(n, 10, 1, SIZE, SIZE, generator=g), torch.rand(n, 10, 1, SIZE, SIZE, generator=g)
    def __len__(self): return len(self.x)
    def __getitem__(self, i): return self.x[i], self.y[i]

def openstl_fit(tree:Path, arch:str, overrides:dict, work:Path):
    "OpenSTL's method fitted 2 epochs of 1 step by Lightning with OpenSTL's `BestCheckpointCallback`: (method, path of `best.ckpt`)"
    from faithful import openstl_hparams
    from openstl.methods import method_maps
    from openstl.datasets import BaseDataModule
    from openstl.utils import BestCheckpointCallback
    from pytorch_lightning import Trainer, seed_everything
    seed_everything(0)
    dl = lambda n, s: torch.utils.data.DataLoader(_Frames(n, s), batch_size=1)
    data = BaseDataModule(dl(1, 1), dl(1, 2), dl(1, 2))
    config = openstl_hparams(tree, arch, overrides=overrides)
    save_dir = work/arch; ckpt_dir = save_dir/'checkpoints'
    config.pop('steps_per_epoch', None)
    method = method_maps[config['method']](steps_per_epoch=len(data.train_loader), test_mean=data.test_mean, test_std=data.test_std,
                                           save_dir=str(save_dir), **{k: v for k, v in config.items() if k not in ('test_mean', 'test_std', 'save_dir')})
    ckpt = BestCheckpointCallback(monitor=config['metric_for_bestckpt'], filename='best-{epoch:02d}-{val_loss:.3f}', mode='min',   # as BaseExperiment
                                  save_last=True, dirpath=str(ckpt_dir), verbose=False, every_n_epochs=config['log_step'])
    trainer = Trainer(devices=1, max_epochs=2, accelerator='cpu', callbacks=[ckpt], logger=False, enable_progress_bar=False,
                      enable_model_summary=False, num_sanity_val_steps=0, default_root_dir=str(work))
    trainer.fit(method, data)
    return method, ckpt_dir/'best.ckpt'

def phydnet_encoder(tree:Path):
    "PhyDNet's `EncoderRNN`, its fixed-width image encoders and decoders replaced by its own classes at nf=16 (its GroupNorms take 16 groups)"
    from models.models import PhyCell, ConvLSTM, EncoderRNN, encoder_E, encoder_specific, decoder_specific, decoder_D
    dev = torch.device('cpu')
    torch.manual_seed(0)
    phycell = PhyCell(input_shape=(SIZE//4, SIZE//4), input_dim=32, F_hidden_dims=[7], n_layers=1, kernel_size=(7, 7), device=dev)
    convcell = ConvLSTM(input_shape=(SIZE//4, SIZE//4), input_dim=32, hidden_dims=[8, 32], n_layers=2, kernel_size=(3, 3), device=dev)
    enc = EncoderRNN(phycell, convcell, dev)
    enc.encoder_E, enc.decoder_D = encoder_E(nc=1, nf=16), decoder_D(nc=1, nf=16)
    enc.encoder_Ep, enc.encoder_Er = encoder_specific(nc=32, nf=32), encoder_specific(nc=32, nf=32)
    enc.decoder_Dp, enc.decoder_Dr = decoder_specific(nc=32, nf=32), decoder_specific(nc=32, nf=32)
    return enc

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--openstl', type=Path, required=True, help="work tree of chengtan9907/OpenSTL")
    p.add_argument('--phydnet', type=Path, required=True, help="work tree of vincent-leguen/PhyDNet")
    p.add_argument('--pythonpath', default='', help="extra folders for the originals' dependencies (Lightning), ':'-separated")
    p.add_argument('--out', type=Path, default=ROOT/'nbs'/'fixtures'/'checkpoints')
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    for d in [a.openstl, a.phydnet, *filter(None, a.pythonpath.split(':'))]: sys.path.insert(0, str(Path(d).resolve()))
    from faithful import _stub_missing, _alias_timm, phydnet_forecast
    _stub_missing('cv2', 'pywt', 'einops'); _alias_timm()
    a.out.mkdir(parents=True, exist_ok=True)
    x = torch.rand(1, 10, 1, SIZE, SIZE, generator=torch.Generator().manual_seed(3))
    save = lambda name, y: np.savez_compressed(a.out/f'{name}.npz', x=x.numpy(), y=y.detach().float().numpy())
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        for arch, over, name in (('simvp_gsta', SIMVP, 'openstl_simvp_gsta'), ('predrnn', PREDRNN, 'openstl_predrnn')):
            method, best = openstl_fit(a.openstl, arch, over, work)
            shutil.copy(best, a.out/f'{name}.ckpt')
            method.load_state_dict(torch.load(best, weights_only=False)['state_dict'])   # as BaseExperiment.test: the best epoch's weights
            method.eval()
            with torch.no_grad():
                y = method(x, torch.zeros_like(x)) if arch == 'predrnn' else method(x)
            save(name, y)
            if arch == 'simvp_gsta': torch.save(method.model.state_dict(), a.out/f'{name}_state_dict.pth')   # the published weights' layout
    enc = phydnet_encoder(a.phydnet).eval()
    torch.save(enc.state_dict(), a.out/'phydnet_encoder.pth')                  # main.py: torch.save(encoder.state_dict(), ...)
    with torch.no_grad(): save('phydnet_encoder', phydnet_forecast(enc, x, 10))
    for f in sorted(a.out.iterdir()): print(f"{f.name:40} {f.stat().st_size:>9,} B")

if __name__ == '__main__': main()
