"""Learned designs measured against the main job, kept here rather than in the library: they lost (see the command-line notebook's
approaches table, from results/main_job_approaches.json). Both are object-centric: the last frame's ink is split into `n_slots`
slots, and each slot moves rigidly, by one displacement per future frame.

- `SlotAttentionSplat` (slot attention, Locatello et al. 2020): a U-Net's per-pixel features are grouped into slots by slot
  attention; each slot's displacement is the ink-weighted mean of per-pixel displacements predicted beside the features.
- `SlotTrack` (a learned segmentation with template tracking, in the spirit of DDPAE's per-object glimpses): a U-Net splits the
  last frame's ink into slots; each slot is followed back through the input frames by masked template matching (a
  correlation over a window of shifts, no weights); an MLP maps each slot's track, place and extent to its displacement at
  every future frame.

`register()` adds them to the registry of this process, so that `mmnist_train --arch slot_attention` (and the bench) train them
like any registered architecture. Nothing in them is a constant of the generator: the number of slots is a hyperparameter
(default 4, enough for three digits), the search window of the tracking a size in pixels per frame.
"""
import math
import torch, torch.nn as nn, torch.nn.functional as F
from fastai.vision.all import Module, ifnone
from moving_mnist.all import register_arch, SSIMLoss, MultiScaleMSE, Recipe, check_frames

def _coords(B, h, w, dev, dtype=torch.float32):
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h, device=dev, dtype=dtype), torch.linspace(-1, 1, w, device=dev, dtype=dtype), indexing='ij')
    return torch.stack([xs, ys])[None].expand(B, 2, h, w)

def shift(img, d):
    "Translate each image `img [N, C, H, W]` by `d [N, 2]` pixels (x then y), bilinear, zeros outside"
    N, C, H, W = img.shape
    theta = img.new_zeros(N, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1
    theta[:, 0, 2], theta[:, 1, 2] = -d[:, 0] * 2 / W, -d[:, 1] * 2 / H
    return F.grid_sample(img, F.affine_grid(theta, (N, C, H, W), align_corners=False), mode='bilinear', padding_mode='zeros', align_corners=False)

def _conv(ci, co, s=1): return nn.Sequential(nn.Conv2d(ci, co, 3, s, 1), nn.GroupNorm(8, co), nn.SiLU())

class UNet(Module):
    "A small U-Net over four resolutions"
    def __init__(self, ci, co, nf=32):
        self.e1, self.e2 = nn.Sequential(_conv(ci, nf), _conv(nf, nf)), nn.Sequential(_conv(nf, 2 * nf, 2), _conv(2 * nf, 2 * nf))
        self.e3, self.e4 = nn.Sequential(_conv(2 * nf, 4 * nf, 2), _conv(4 * nf, 4 * nf)), nn.Sequential(_conv(4 * nf, 4 * nf, 2), _conv(4 * nf, 4 * nf))
        self.d3, self.d2 = nn.Sequential(_conv(8 * nf, 4 * nf), _conv(4 * nf, 4 * nf)), nn.Sequential(_conv(6 * nf, 2 * nf), _conv(2 * nf, 2 * nf))
        self.d1, self.head = nn.Sequential(_conv(3 * nf, nf), _conv(nf, nf)), nn.Conv2d(nf, co, 3, 1, 1)
    def forward(self, x):
        up = lambda t, r: torch.cat([F.interpolate(t, size=r.shape[-2:], mode='bilinear', align_corners=False), r], 1)
        e1 = self.e1(x); e2 = self.e2(e1); e3 = self.e3(e2); e4 = self.e4(e3)
        return self.head(self.d1(up(self.d2(up(self.d3(up(e4, e3)), e2)), e1)))

class SlotAttention(Module):
    "Slot attention (Locatello et al., 2020): `n_slots` slots compete for the inputs over `iters` rounds"
    def __init__(self, n_slots, d, iters=3, hidden=64):
        self.k, self.iters, self.scale = n_slots, iters, d ** -0.5
        self.mu, self.logsig = nn.Parameter(torch.randn(1, 1, d) * 0.5), nn.Parameter(torch.zeros(1, 1, d))
        self.q, self.kk, self.v = (nn.Linear(d, d, bias=False) for _ in range(3))
        self.gru, self.mlp = nn.GRUCell(d, d), nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, d))
        self.ni, self.ns, self.nm = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
    def forward(self, x, w):
        "x [B, N, d] features, w [B, N] their weights -> attention [B, K, N] (softmax over the slots)"
        B, N, d = x.shape
        x = self.ni(x); k, v = self.kk(x), self.v(x)
        slots = self.mu + self.logsig.exp() * torch.randn(B, self.k, d, device=x.device)
        for _ in range(self.iters):
            attn = torch.einsum('bkd,bnd->bkn', self.q(self.ns(slots)), k).mul(self.scale).softmax(1)
            a = attn * w[:, None] + 1e-8
            upd = torch.einsum('bkn,bnd->bkd', a / a.sum(2, keepdim=True), v)
            slots = self.gru(upd.reshape(-1, d), slots.reshape(-1, d)).view(B, self.k, d)
            slots = slots + self.mlp(self.nm(slots))
        return attn

class SlotAttentionSplat(Module):
    "Slots found by slot attention over learned per-pixel features; each slot's ink moves rigidly by its ink-weighted mean displacement"
    def __init__(self, n_in=10, n_out=10, c_in=1, c_out=None, n_slots=4, nf=32, d=32, scale=2):
        if c_out is not None and c_out != c_in: raise ValueError(f"c_out={c_out} must equal c_in={c_in}: the forecast is the last frame moved")
        self.n_in, self.n_out, self.c_in, self.c_out, self.n_slots, self.d, self.scale = n_in, n_out, c_in, c_in, n_slots, d, scale
        self.net, self.slots, self.pos = UNet(n_in * c_in + 2, d + 2 + 2 * n_out, nf), SlotAttention(n_slots, d), nn.Linear(2, d)
        with torch.no_grad(): self.net.head.weight[d:].zero_(); self.net.head.bias[d:].zero_()
    def forward(self, x):
        check_frames(x, self.c_in, multiple=self.scale, n=self.n_in)
        B, T, C, H, W = x.shape
        inp = F.avg_pool2d(x.reshape(B, T * C, H, W), self.scale)
        h, w = inp.shape[-2:]; cc = _coords(B, h, w, x.device, x.dtype)
        o = self.net(torch.cat([inp, cc], 1))
        feat, v, r = o[:, :self.d], o[:, self.d:self.d + 2], o[:, self.d + 2:].view(B, self.n_out, 2, h, w)
        t = torch.arange(1, self.n_out + 1, device=x.device, dtype=x.dtype).view(1, -1, 1, 1, 1)
        D = (t * v[:, None] + r) * self.scale                                                  # [B, n_out, 2, h, w]
        ink = inp[:, -C:].mean(1).reshape(B, -1)
        attn = self.slots(feat.flatten(2).transpose(1, 2) + self.pos(cc.flatten(2).transpose(1, 2)), ink)
        a = attn * ink[:, None] + 1e-6
        dk = torch.einsum('bkn,btcn->btkc', a / a.sum(2, keepdim=True), D.flatten(3))          # [B, n_out, K, 2]
        masks = F.interpolate(attn.view(B, self.n_slots, h, w), size=(H, W), mode='bilinear', align_corners=False)
        parts = (masks[:, :, None] * x[:, -1][:, None])[:, None].expand(B, self.n_out, self.n_slots, C, H, W)
        out = shift(parts.reshape(-1, C, H, W), dk.reshape(-1, 2))
        return out.view(B, self.n_out, self.n_slots, C, H, W).sum(2)

class SlotTrack(Module):
    "Slots from a learned segmentation, each followed back by masked template matching; an MLP maps a slot's track and place to its future displacements"
    def __init__(self, n_in=10, n_out=10, c_in=1, c_out=None, n_slots=4, nf=16, r=6, track=4, temp=50., hidden=128, seg_frames=3):
        if c_out is not None and c_out != c_in: raise ValueError(f"c_out={c_out} must equal c_in={c_in}: the forecast is the last frame moved")
        self.n_in, self.n_out, self.c_in, self.c_out, self.K, self.r, self.track, self.temp = n_in, n_out, c_in, c_in, n_slots, r, min(track, n_in - 1), temp
        self.sf = min(seg_frames, n_in)
        self.seg = UNet(self.sf + 2, n_slots, nf)
        ni = 2 * self.track + 5
        self.lin = nn.Linear(ni, 2 * n_out)
        self.mlp = nn.Sequential(nn.Linear(ni, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, 2 * n_out))
        for l in (self.lin, self.mlp[-1]): nn.init.zeros_(l.weight); nn.init.zeros_(l.bias)
        g = torch.arange(-r, r + 1, dtype=torch.float32)
        gy, gx = torch.meshgrid(g, g, indexing='ij')
        self.register_buffer('grid', torch.stack([gx.reshape(-1), gy.reshape(-1)], 1), persistent=False)     # [S, 2], x then y
    def tracks(self, fr, m):
        "Per slot, its motion into each of the last `track` frames `[B, K, track, 2]` (the most recent first)"
        B, T, H, W = fr.shape
        r, n = self.r, 2 * self.r + 1
        cum, moves = fr.new_zeros(B, self.K, 2), []
        for j in range(self.track):
            a, prev = fr[:, -1 - j], fr[:, -2 - j]
            w = (shift(m.reshape(-1, 1, H, W), cum.reshape(-1, 2)).view(B, self.K, H * W) if j else m.reshape(B, self.K, H * W)) * (a.reshape(B, 1, H * W) > 0.05)
            cols = F.unfold(F.pad(prev[:, None], (r, r, r, r)), n).view(B, n * n, H * W)        # prev at p + s
            af = a.reshape(B, 1, H * W)
            ssd = ((w * af * af).sum(-1, keepdim=True) - 2 * torch.einsum('bkp,bsp->bks', w * af, cols)
                   + torch.einsum('bkp,bsp->bks', w, cols * cols)) / (w.sum(-1, keepdim=True) + 1e-3)
            d = (-self.temp * ssd).softmax(-1) @ self.grid                                       # where the slot was in the frame before
            moves.append(-d); cum = cum + d
        return torch.stack(moves, 2)
    def forward(self, x):
        check_frames(x, self.c_in, multiple=1, n=self.n_in)
        B, T, C, H, W = x.shape
        fr = x.mean(2)                                                                           # grey frames for the segmentation and the tracking
        m = self.seg(torch.cat([fr[:, -self.sf:], _coords(B, H, W, x.device, x.dtype)], 1)).softmax(1)
        tr = self.tracks(fr, m)
        ink = m * fr[:, -1:]
        mass = ink.sum((2, 3)) + 1e-3
        cc = _coords(1, H, W, x.device, x.dtype)[0]
        cen = torch.einsum('bkhw,chw->bkc', ink, cc) / mass[..., None]
        var = torch.einsum('bkhw,chw->bkc', ink, cc * cc) / mass[..., None] - cen ** 2
        feats = torch.cat([tr.flatten(2) / 4, cen, var.clamp_min(0).sqrt(), (mass / 100)[..., None]], -1)
        D = (self.lin(feats) + self.mlp(feats)).view(B, self.K, self.n_out, 2) * 4
        parts = (m[:, :, None] * x[:, -1][:, None])[:, :, None].expand(B, self.K, self.n_out, C, H, W)
        out = shift(parts.reshape(-1, C, H, W), D.reshape(-1, 2))
        return out.view(B, self.K, self.n_out, C, H, W).sum(1)

def register(minutes:float=8.):
    "Register both designs in this process, with the main job's loss and recipe"
    loss = lambda n_in, n_out: SSIMLoss(MultiScaleMSE(4))
    rec = lambda: {'fastai': Recipe('fastai', 2e-3, 'fastai', 'one_cycle', n_train=6400, precision='fp32', minutes=minutes, source="bench/designs.py: the main job's recipe")}
    register_arch('slot_attention', SlotAttentionSplat, loss=loss, recipes=rec(), presets=dict(tiny=dict(nf=8, d=8)),
                  doc="Object-centric (slot attention): slots over learned features, each slot's ink moved rigidly (bench/designs.py).")
    register_arch('slot_track', SlotTrack, loss=loss, recipes=rec(), presets=dict(tiny=dict(nf=8, hidden=16)),
                  doc="Object-centric: a learned segmentation, slots followed back by template matching, an MLP for their future (bench/designs.py).")
