"""The race arithmetic: glitches, lead, crossings, rates and the events they make."""
