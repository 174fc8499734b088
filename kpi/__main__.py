"""python -m kpi: see kpi/commands/main.py."""

import os
import sys

try:
    from kpi.commands.main import main  # inside the try, as main(): Ctrl-C while DuckDB loads is quiet too

    code = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader went away (e.g. `| head`): not an error worth a traceback.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 0
except KeyboardInterrupt:
    # Ctrl-C: an open transaction has rolled back; the shell's convention for SIGINT, no traceback.
    code = 130
sys.exit(code)
