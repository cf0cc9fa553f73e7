"""Photo Finish: follow a head-to-head race between two counters toward a milestone."""

__version__ = "0.1.0"
