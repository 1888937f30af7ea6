"""A function's init (cold start): imported first by each ``public_api.functions`` module, before anything
heavy; ``finished()`` is called once the handler is built.

- The cyclic garbage collector is paused during init. Imports and client building create some 80,000
  objects that live as long as the process and are not garbage, yet the collector ran over a hundred
  times while they piled up (about 30 ms of the cold start), and the first request paid a full
  collection over all of them (about 50 ms). ``finished()`` moves what init built to the permanent
  generation (``gc.freeze``), so the collector never walks it again, and resumes collection for the
  requests. An init that fails leaves collection paused; the process is then discarded anyway.
- In Lambda, a function whose environment lacks its stage, its table or its cursor key's secret name (or
  names a local stage) stops here with one log line instead of serving with local defaults; so does one
  whose cursor key cannot be read (read in ``finished()``, at the end of init, before SnapStart's
  snapshot: the first request never pays for it, and a missing secret fails the cold start, not a request).
- pydantic would scan every installed distribution's entry points for plugins when the first model is
  built; these functions use none (``PYDANTIC_DISABLE_PLUGINS`` set in the environment still wins).
"""

from __future__ import annotations

import gc
import os

from marketplace import pagination
from marketplace.deployment import Env, in_lambda, require_deployed

require_deployed(Env.TABLE, Env.CURSOR_SECRET)
_collecting = gc.isenabled()
gc.disable()
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def finished() -> None:
    """Init is done: read the cursor key (in Lambda), freeze what init built and collect garbage again (if
    it was collected before)."""
    if in_lambda():
        pagination.read_key_at_init()
    gc.freeze()
    if _collecting:
        gc.enable()
