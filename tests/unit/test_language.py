"""A story's language: the offline model's guess, and when the feed's declared one wins; and
`lang:` in queries, worked out only for rules that need it."""

import pytest

from monitor.rules import language
from monitor.rules.language import language_of, primary
from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.query import parse


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("La France envisage d’envoyer des troupes en Ukraine", "selon l’Élysée", "fr"),
        ("Deutschland und Frankreich beraten über die Lage", "", "de"),
        ("Зеленський заявив, що Україна отримає нові системи ППО", "", "uk"),
        ("Франция может отправить войска на Украину", "", "ru"),
        ("法国考虑向乌克兰派遣军队", "", "zh"),
        ("岸田首相は来週ワシントンを訪問する予定だ", "", "ja"),
        ("นายกรัฐมนตรีเดินทางไปกรุงเทพฯ เพื่อหารือเรื่องเศรษฐกิจ", "", "th"),
        ("قال الرئيس الفرنسي إن بلاده لن ترسل قوات إلى أوكرانيا", "", "ar"),
        ("Fransız askerleri Ukrayna'ya gönderilecek mi?", "", "tr"),
    ],
)
def test_detected_from_the_text(title: str, text: str, expected: str) -> None:
    assert language_of(title, text, None) == expected


def test_a_declared_language_the_text_bears_out_wins() -> None:
    # A short Ukrainian title reads as Russian or Ukrainian; the feed's word settles it.
    title = "Президент провів нараду"
    assert language_of(title, "", "uk-UA") == "uk"
    # A feed that declares English for everything is overruled by a clear text.
    assert language_of("Le gouvernement annonce de nouvelles mesures", "", "en") == "fr"
    # Nothing to read: the declared one, else none.
    assert language_of("", "", "pt-BR") == "pt"
    assert language_of("", "", None) is None


@pytest.mark.parametrize(
    ("tag", "code"), [("pt-BR", "pt"), ("zh_Hans", "zh"), ("iw", "he"), (" EN ", "en"), ("", None)]
)
def test_primary_subtag(tag: str, code: str | None) -> None:
    assert primary(tag) == code


def test_the_model_is_loaded_only_when_a_rule_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    real = language.guesses

    def counting(text: str) -> list[tuple[str, float]]:
        asked.append(text)
        return real(text)

    monkeypatch.setattr(language, "guesses", counting)
    plain = Matcher({"r": parse("troupes")}, Vocabulary())
    assert plain.match("Des troupes en Ukraine", "").matches
    assert asked == []
    by_language = Matcher(
        {"fr": parse("troupes lang:fr"), "de": parse("troupes lang:de")}, Vocabulary()
    )
    result = by_language.match("La France envoie des troupes en Ukraine", "")
    assert [m.rule for m in result.matches] == ["fr"]
    assert len(asked) == 1  # once per story, however many rules ask
    assert not by_language.match("Keine Nachricht", "").matches  # no term: no detection
    assert len(asked) == 1


def test_lang_takes_the_declared_language_when_plausible() -> None:
    matcher = Matcher({"uk": parse("нараду lang:uk")}, Vocabulary())
    assert matcher.match("Президент провів нараду", "", language="uk").matches
