"""Moving MNIST video forecasting with fastai: fast data, faithful models, honest metrics

Modules:

- `moving_mnist.cli`: Train any registered architecture on the standard protocol and evaluate exported models against the copy-last baseline, from a shell.
- `moving_mnist.core`: `TimeDistributed`, `StackUnstack` and `StackLoss`: the glue between frame-by-frame modules, tuple-of-frames batches and 5-D tensors.
- `moving_mnist.learner`: `mmnist_learner(dls, arch)` builds a fastai `Learner` with the right model, loss, callbacks and metrics for any registered architecture; `learn.forecast` predicts from your own frames; `save_gif` animates the result.
- `moving_mnist.metrics`: Per-frame MSE, MAE, PSNR and SSIM exactly as the benchmark tables compute them, as functions and as fastai metrics that accumulate over the whole validation set.
- `moving_mnist.models.conv_lstm`: The ConvLSTM of Shi et al. (2015) as the benchmarks run it: 4 layers of 128 channels, 5x5 filters, frames cut into 4x4 patches, trained with scheduled sampling.
- `moving_mnist.models.conv_rnn`: `SimpleModel`: a convolutional GRU encoder and a decoder of PixelShuffle upsampling blocks, with optional blur, self-attention and CoordConv, as in the original library.
- `moving_mnist.models.phy`: The prediction-correction cell of PhyDNet, and the moment constraint (K2M) that makes its filters approximate partial derivatives.
- `moving_mnist.models.phydnet`: "Disentangling Physical Dynamics from Unknown Factors for Unsupervised Video Prediction" (Le Guen and Thome, CVPR 2020): a PhyCell branch for the physical dynamics and a ConvLSTM branch for the rest, in a shared latent space, with the paper's training recipe.
- `moving_mnist.models.seq2seq`: A DCGAN image encoder to 64 x 16 x 16, a multi-layer ConvGRU in latent space, a DCGAN image decoder; the forecaster rolls out future frames from its own predictions, or from the targets under teacher forcing.
- `moving_mnist.models.simvp`: SimVP (Gao et al., CVPR 2022) and SimVPv2 with gated spatiotemporal attention (Tan et al., 2022): a convolutional encoder, a translator over all frames at once, a convolutional decoder."""

__version__ = "0.1.0"
