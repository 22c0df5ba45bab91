"""The Search page: a hyperparameter search over the training page's knobs, drawn as it runs."""
