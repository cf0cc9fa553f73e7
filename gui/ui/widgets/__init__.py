"""The window's panels besides the plots: scoreboard, replay bar, event log."""
