"""``python -m imgfake.workshop [teacher.ipynb] --out FOLDER``: the learner's copy and the handout."""

import sys

from .build import main

sys.exit(main())
