"""Live sources without Qt: specs, replies, when to poll next, source state, followed files."""
