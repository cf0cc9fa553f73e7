"""Entry point for ``photofinish`` and ``python -m photofinish``."""

from __future__ import annotations

import sys


def main() -> int:
    """Run the command line and return its exit status."""
    from .cli.main import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
