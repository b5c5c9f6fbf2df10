"""Memory of the loaded config per feed: what `load_config` keeps for each `[[feeds]]` entry,
and what the process's RSS keeps after loading it (freed memory the allocator has not given
back included).

Each count of feeds is loaded in a fresh interpreter (so that one does not warm the other),
after a config of one feed (which brings in the imports and caches any config needs), twice:
once under tracemalloc (the bytes the loaded `Config` holds, by Python's count) and once
without it (RSS before the load, after it, and the peak during it, from /proc).

    python bench/config_memory.py [--feeds 2000 10000 50000]
"""

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

from poll import REPO, write_config

from monitor.config.load import load_config


def _status_mb(field: str) -> float:
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if field in line)


def measure(directory: Path, traced: bool) -> dict[str, float]:
    """Load the config in `directory` (in this process), after the one-feed config beside it,
    and return what it cost."""
    load_config(directory.parent / "warm-up")
    gc.collect()
    if traced:
        tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0] if traced else _status_mb("VmRSS")
    config = load_config(directory)
    gc.collect()
    if traced:
        kept = tracemalloc.get_traced_memory()[0] - before
        return {"feeds": len(config.feeds), "kept_bytes": kept}
    return {
        "feeds": len(config.feeds),
        "rss_before_mb": before,
        "rss_after_mb": _status_mb("VmRSS"),
        "rss_peak_mb": _status_mb("VmHWM"),
    }


def main() -> None:
    """Print, for each count of feeds, the bytes per feed the config keeps and the RSS."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, nargs="+", default=[2000, 10000, 50000])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child is not None:  # one measurement, in this fresh interpreter
        print(json.dumps(measure(options.child, options.traced)))
        return
    print(f"{'feeds':>7}{'kept B/feed':>13}{'RSS before':>12}{'after':>8}{'peak':>8}  (MB)")
    for count in options.feeds:
        with tempfile.TemporaryDirectory(prefix="bench-config-") as scratch:
            config = Path(scratch) / "config"
            write_config(config, [8080], count, "")
            write_config(Path(scratch) / "warm-up", [8080], 1, "")
            figures: dict[str, float] = {}
            for traced in (True, False):
                child = [sys.executable, __file__, "--child", str(config)]
                answer = subprocess.run(
                    child + ["--traced"] * traced, cwd=REPO, capture_output=True, check=True
                )
                figures |= json.loads(answer.stdout)
        print(
            f"{count:>7}{figures['kept_bytes'] / count:>13,.0f}{figures['rss_before_mb']:>12.0f}"
            f"{figures['rss_after_mb']:>8.0f}{figures['rss_peak_mb']:>8.0f}"
        )


if __name__ == "__main__":
    main()
