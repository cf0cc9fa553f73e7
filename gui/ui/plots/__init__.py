"""The race chart and the gap plot, and what they share: axes, styles, keys, focus."""
