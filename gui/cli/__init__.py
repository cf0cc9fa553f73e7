"""The command line: arguments parsed before Qt loads, a module per group of commands."""
