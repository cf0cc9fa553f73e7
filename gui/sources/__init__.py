"""Live sources: HTTP polls and followed files, run on the Qt event loop."""
