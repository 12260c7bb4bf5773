"""Calibration of the engine to the January 2024 episode (filled by the calibration work)."""
