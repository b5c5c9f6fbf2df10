"""How prominent a matched rule's words are in an item: a score from 0 to 100.

A rule's *required parts* are the operands of its top-level AND that are not `NOT …` or
`lang:` (a rule that is not an AND is one part): `@France AND @Ukraine AND @troops -sport` has
three. Each part scores where and how often the words that made it true occur:

    part = min(100, 50 × [in the title] + 25 × [in the lead] + 25 × (occurrences − 1))

where the lead is the text's first sentence (`rules/lead`) and occurrences count every place
in the title and the text where the part's words start. The rule's prominence is its weakest
part's: a story is about "French troops in Ukraine" only if each of the three is prominent.
One mention deep in the text, a passing mention, scores 0; in the first sentence, or said a
second time anywhere, 25; in the title 50; in the title and the lead, said three times in all,
100. A second mention counts as much as the lead because full-length stories often name their
subject first in the second or third paragraph, and come back to it, while a passing mention
says it once: on the set of full-length articles of `bench/relevance.py`, with 10 points a
repeat a floor of 25 held back 30 of the 102 wanted matches, with 25 points 13.

It is computed only for rules that matched (`Matcher.match`), never for every item.
"""

from monitor.rules.evaluation import Compiled, Hits, Span, evaluate

TITLE_POINTS = 50
LEAD_POINTS = 25
REPEAT_POINTS = 25


def required_parts(node: Compiled) -> list[Compiled]:
    """The parts every matching item must contain words of (see the module's docstring)."""
    if node[0] == "and":
        kids: tuple[Compiled, ...] = node[1]  # type: ignore[assignment]
        return [part for kid in kids for part in required_parts(kid)]
    if node[0] in ("not", "lang"):
        return []
    return [node]


def part_score(hits: Hits, part: Compiled) -> int:
    """The score of one required part in the item `hits` was scanned from (0 if absent)."""
    spans = evaluate(part, hits)
    if not spans:
        return 0
    starts = {(span.field, span.start) for span in spans}
    in_title = any(field == "title" for field, _start in starts)
    in_lead = any(
        field == "text" and hits.within(Span(field, start, start + 1), "lead")
        for field, start in starts
    )
    score = TITLE_POINTS * in_title + LEAD_POINTS * in_lead + REPEAT_POINTS * (len(starts) - 1)
    return min(100, score)


def prominence(node: Compiled, hits: Hits) -> int:
    """The prominence of the matched rule `node`: its weakest required part's score."""
    parts = required_parts(node)
    return min((part_score(hits, part) for part in parts), default=0)
