"""`make fuzz`, second half: coverage-guided mutation of feed bytes (atheris, libFuzzer).

Where `tests.fuzz.pipeline` writes well-formed documents with hostile fields, this one mutates
the bytes themselves (declarations, encodings, truncations, splices), guided by which branches
of feedparser and of `monitor` each input reaches; it starts from one document of each kind
that `tests.fuzz.pipeline` writes. The same promises are checked, by the same `pipeline`; any
exception is a crash, reported with the input in hex and Base64.

    python -m tests.fuzz.mutate [--seconds 30]

Needs atheris (`pip install -e '.[fuzz]'`, which `make fuzz` does). Instrumenting feedparser
and `monitor` takes about 6 s before fuzzing starts.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["monitor", "feedparser", "html_text", "sgmllib"]):
    from tests.fuzz.pipeline import document, pipeline

SEED = {
    "id": "seed-1",
    "title": "Paris warns: troops to Kyiv",
    "text": "<p>Élysée: <b>войска</b> 巴黎 الجيش</p>",
    "link": "https://news.example.org/a?utm_source=rss",
    "date": "Tue, 01 Dec 2026 06:00:00 GMT",
}


def main() -> None:
    """Fuzz for the time given; libFuzzer exits non-zero on the first crash."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="media-monitor-fuzz-") as work:
        corpus = Path(work) / "corpus"
        corpus.mkdir()
        for kind in ("rss", "atom", "json"):
            (corpus / kind).write_bytes(document(kind, [dict(SEED)], "60", cdata=False))
        libfuzzer = [
            sys.argv[0],
            f"-max_total_time={args.seconds}",
            f"-artifact_prefix={work}/",
            "-print_final_stats=1",
            str(corpus),
        ]
        atheris.Setup(libfuzzer, pipeline)
        atheris.Fuzz()


if __name__ == "__main__":
    main()
