#!/usr/bin/env bash
# Download, here, the Python 3.12 wheels that bench/gpu_check.sh needs on the device machine (which has PyTorch,
# pandas, matplotlib, scikit-image and pytest but not fastai or nbdev) into .whl/, ignored by git.
set -eu
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo /.whl/ >> .git/info/exclude
plat="--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any"
for pkg in fastai fastcore fastprogress fastdownload fasttransform plum-dispatch beartype mlxtend nbdev execnb ghapi \
           asttokens astunparse watchdog cloudpickle ipython ipython-pygments-lexers jedi parso decorator stack-data \
           executing pure-eval traitlets matplotlib-inline prompt-toolkit wcwidth pexpect ptyprocess; do
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp $plat -d .whl "$pkg" \
    || python3 -m pip download -q --no-deps --python-version 3.12 -d .whl "$pkg"
done
du -sh .whl
