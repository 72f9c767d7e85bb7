import sys

from signal_diagnostics.cli import main

sys.exit(main())
