"""Fast styles (Johnson et al. 2016): a network trained once per painting paints in one pass.

``train.train_fast_style`` makes a ``.nststyle`` file, ``apply.apply_fast_style`` paints with it,
``store.FastStyleStore`` keeps the built-in and the artist's own styles. Importing this package
is cheap; torch loads with the submodules.
"""
