"""Moving MNIST video forecasting with fastai: fast data, faithful models, honest metrics

Modules:

- `moving_mnist.core`: `TimeDistributed`, `StackUnstack` and `StackLoss`: the glue between frame-by-frame modules, tuple-of-frames batches and 5-D tensors.
- `moving_mnist.models.conv_rnn`: `SimpleModel`: a convolutional GRU encoder and a decoder of PixelShuffle upsampling blocks, with optional blur, self-attention and CoordConv, as in the original library."""

__version__ = "0.1.0"
