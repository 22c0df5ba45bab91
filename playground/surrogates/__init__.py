"""The sampler's mind: what a Bayesian (GP) or TPE search believes about the objective, as numbers.

- :mod:`playground.surrogates.gp_refit`: a Gaussian process refitted with scikit-learn on the trials,
  its mean, standard deviation and expected improvement on a grid (one or two parameters).
- :mod:`playground.surrogates.tpe_densities`: TPE's good and bad densities l(x), g(x) and l/g for one
  parameter, rebuilt with the bandwidth rule of Optuna's TPESampler.

Both are refits from the trials, not reads of the samplers' private state. No Qt here; scikit-learn,
scipy and optuna are imported inside the functions that need them (scikit-learn takes about a second).
"""
