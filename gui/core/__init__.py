"""Pure-Python heart of Photo Finish: model, store, analysis, importing (no Qt)."""
