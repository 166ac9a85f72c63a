from __future__ import annotations

import sys

from showdown.cli.main import main

sys.exit(main())
