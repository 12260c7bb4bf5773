"""Sweeps: experiment designs, aggregation of multirun jobs, resume."""
