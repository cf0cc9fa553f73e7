"""Photo Finish without a window: pictures and clips for the command line, and the recorder."""
