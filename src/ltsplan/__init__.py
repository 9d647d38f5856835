"""ltsplan: a long-term support plan for a partner country's security, as working software."""

import os

__version__ = "0.1.0"

# Polars allocates with jemalloc, which keeps an arena per thread and holds freed pages for a while
# before returning them. An import runs Polars on three threads at once (reading, checking,
# writing), and that retention was a fifth of its peak memory: one arena, freed pages returned by
# a background thread. Polars appends this to its own settings when it is imported after ltsplan;
# a _RJEM_MALLOC_CONF of the user's own is left as it is.
os.environ.setdefault("_RJEM_MALLOC_CONF", "narenas:1,background_thread:true,muzzy_decay_ms:0")
