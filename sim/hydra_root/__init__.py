"""An empty primary config source for ``@hydra.main``.

Every config comes from Hydra's ConfigStore, filled once per process from ``configs/`` and
``scenarios/`` (:func:`sim.config.register_configs`). Hydra still needs a primary config
folder; this empty package is it (the caller's package would fail for editable installs).
"""
