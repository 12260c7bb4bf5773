"""Installed as ``hydra_plugins.escalation_sim``: where Hydra looks for launcher plugins."""
