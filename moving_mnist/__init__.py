"""Moving MNIST video forecasting with fastai: fast data, faithful models, honest metrics"""

__version__ = "0.1.0"
