"""Labelled story pairs, written for these tests in the shape of real wire copy and its
reprints: the same story as carried by several outlets (edited headline, trimmed or reordered
paragraphs, a dateline or credit added), and different stories on the same topic, which must
stay apart. Several languages and scripts, as the matcher supports them.

`SAME` pairs must cluster, `DIFFERENT` pairs must not; `tests/unit/test_story_fingerprint.py`
and `bench/stories.py` measure precision and recall on them."""

Text = tuple[str, str]  # (title, text)

_TROOPS = (
    "France may send troops to Ukraine, Macron says",
    "PARIS (Reuters) - French President Emmanuel Macron said on Monday that sending Western "
    "ground troops to Ukraine could not be ruled out in the future, as allies met in Paris to "
    'discuss ways to step up support for Kyiv. "There is no consensus today to send troops on '
    "the ground in an official, endorsed manner. But in terms of dynamics, nothing can be ruled "
    'out," Macron told reporters after the meeting with some 20 European leaders.',
)
_TROOPS_REPRINT = (
    "Macron: Western troops in Ukraine 'cannot be ruled out'",
    "French President Emmanuel Macron said on Monday that sending Western ground troops to "
    "Ukraine could not be ruled out in the future, as allies met in Paris to discuss ways to "
    'step up support for Kyiv. "There is no consensus today to send troops on the ground in an '
    'official, endorsed manner," Macron told reporters. (Reporting by Reuters)',
)
_TROOPS_AMP = (
    "Macron says sending troops to Ukraine can't be ruled out",
    "Sending Western ground troops to Ukraine could not be ruled out in the future, French "
    "President Emmanuel Macron said on Monday, as allies met in Paris to discuss ways to step up "
    "support for Kyiv.",
)
_TROOPS_REPLY = (
    "Ukraine says it does not need French troops on its soil",
    "KYIV (AP) - Ukraine does not need foreign soldiers on its territory, a senior official "
    "said on Tuesday, responding to remarks by French President Emmanuel Macron. What Kyiv "
    "needs is ammunition and air defence, the official told reporters, adding that Ukrainian "
    "troops were holding the line in the east.",
)
_TROOPS_NATO = (
    "NATO chief says no plans for combat troops in Ukraine",
    "BRUSSELS (AP) - NATO Secretary General said on Tuesday the alliance has no plans to deploy "
    "combat troops to Ukraine, a day after French President Emmanuel Macron said sending Western "
    "ground troops could not be ruled out.",
)

_QUAKE = (
    "Magnitude 6.8 earthquake strikes off Japan's Noto peninsula",
    "TOKYO (AP) - A powerful earthquake with a preliminary magnitude of 6.8 struck off the Noto "
    "peninsula in central Japan on Thursday, the Japan Meteorological Agency said. A tsunami "
    "advisory was issued for the coast of Ishikawa prefecture. There were no immediate reports "
    "of damage or injuries.",
)
_QUAKE_REPRINT = (
    "Strong quake hits central Japan, tsunami advisory issued",
    "A powerful earthquake with a preliminary magnitude of 6.8 struck off the Noto peninsula in "
    "central Japan on Thursday, the Japan Meteorological Agency said. A tsunami advisory was "
    "issued for the coast of Ishikawa prefecture. There were no immediate reports of damage.",
)
_QUAKE_OTHER = (
    "Japan lifts tsunami advisory after Noto earthquake",
    "TOKYO (AP) - Japan lifted a tsunami advisory for the coast of Ishikawa prefecture on "
    "Friday, a day after a magnitude 6.8 earthquake off the Noto peninsula. Officials said two "
    "people were slightly injured and several homes were damaged in Wajima.",
)

_RATES = (
    "Fed holds rates steady, signals two cuts this year",
    "WASHINGTON (Reuters) - The Federal Reserve held interest rates steady on Wednesday and "
    "policymakers continued to project two quarter-point cuts by the end of the year, even as "
    "they raised their inflation forecasts. The central bank kept its benchmark rate in the "
    "5.25%-5.50% range, where it has been since July.",
)
_RATES_REPRINT = (
    "Federal Reserve keeps interest rates unchanged; still sees two cuts",
    "The Federal Reserve held interest rates steady on Wednesday and policymakers continued to "
    "project two quarter-point cuts by the end of the year, even as they raised their inflation "
    "forecasts, Reuters reported. The central bank kept its benchmark rate in the 5.25%-5.50% "
    "range.",
)
_RATES_OTHER = (
    "ECB holds rates, Lagarde says June cut is possible",
    "FRANKFURT (Reuters) - The European Central Bank held interest rates steady on Thursday and "
    "President Christine Lagarde said a cut in June was possible if inflation kept falling. The "
    "central bank kept its deposit rate at a record 4%.",
)

_FR = (
    "La France pourrait envoyer des troupes en Ukraine, selon Macron",
    "PARIS (AFP) - Le président Emmanuel Macron a affirmé lundi que l'envoi de troupes "
    "occidentales au sol en Ukraine ne pouvait pas être exclu à l'avenir, à l'issue d'une "
    "conférence de soutien à Kiev réunissant une vingtaine de dirigeants européens à l'Élysée. "
    "« Il n'y a pas de consensus aujourd'hui pour envoyer de manière officielle des troupes au "
    "sol », a-t-il déclaré.",
)
_FR_REPRINT = (
    "Troupes en Ukraine : Macron n'exclut rien",
    "Le président Emmanuel Macron a affirmé lundi que l'envoi de troupes occidentales au sol en "
    "Ukraine ne pouvait pas être exclu à l'avenir, à l'issue d'une conférence de soutien à Kiev "
    "réunissant une vingtaine de dirigeants européens à l'Élysée. (avec AFP)",
)
_FR_OTHER = (
    "L'Allemagne refuse d'envoyer des soldats en Ukraine",
    "BERLIN (AFP) - Le chancelier allemand a affirmé mardi que l'Allemagne n'enverrait pas de "
    "soldats en Ukraine, au lendemain des propos d'Emmanuel Macron, estimant qu'il y avait "
    "accord entre les Européens pour ne pas envoyer de troupes au sol.",
)

_DE = (
    "Bahnstreik: GDL kündigt neuen Ausstand im Personenverkehr an",
    "BERLIN (dpa) - Die Lokführergewerkschaft GDL hat einen neuen Streik im Personenverkehr der "
    "Deutschen Bahn angekündigt. Der Ausstand soll am Donnerstag um 2 Uhr beginnen und 35 Stunden "
    "dauern, teilte die Gewerkschaft mit. Im Güterverkehr beginnt der Streik bereits am Mittwoch.",
)
_DE_REPRINT = (
    "GDL ruft erneut zum Streik bei der Deutschen Bahn auf",
    "Die Lokführergewerkschaft GDL hat einen neuen Streik im Personenverkehr der Deutschen Bahn "
    "angekündigt. Der Ausstand soll am Donnerstag um 2 Uhr beginnen und 35 Stunden dauern, "
    "teilte die Gewerkschaft am Montag mit.",
)
_DE_OTHER = (
    "Deutsche Bahn scheitert vor Gericht mit Eilantrag gegen GDL-Streik",
    "FRANKFURT (dpa) - Die Deutsche Bahn ist mit ihrem Eilantrag gegen den Streik der "
    "Lokführergewerkschaft GDL vor dem Arbeitsgericht gescheitert. Der Ausstand im "
    "Personenverkehr kann damit wie geplant am Donnerstag beginnen.",
)

_ES = (
    "El Gobierno aprueba la reducción de la jornada laboral a 37,5 horas",
    "MADRID (EFE) - El Consejo de Ministros ha aprobado este martes el anteproyecto de ley "
    "para reducir la jornada laboral máxima de 40 a 37,5 horas semanales sin reducción de "
    "salario, una medida que afectará a unos 12 millones de trabajadores.",
)
_ES_REPRINT = (
    "Luz verde a la jornada de 37,5 horas semanales",
    "El Consejo de Ministros ha aprobado este martes el anteproyecto de ley para reducir la "
    "jornada laboral máxima de 40 a 37,5 horas semanales sin reducción de salario, según "
    "informa EFE.",
)
_ES_OTHER = (
    "La patronal rechaza la reducción de la jornada laboral",
    "MADRID (EFE) - La patronal CEOE ha rechazado este martes la reducción de la jornada "
    "laboral a 37,5 horas aprobada por el Consejo de Ministros, que considera que perjudicará a "
    "las pequeñas empresas.",
)

_RU = (
    "Центробанк повысил ключевую ставку до 21%",
    "МОСКВА (ТАСС) - Банк России на заседании в пятницу повысил ключевую ставку на 200 базисных "
    "пунктов, до 21% годовых, говорится в сообщении регулятора. Решение объясняется ускорением "
    "инфляции и ростом внутреннего спроса.",
)
_RU_REPRINT = (
    "Банк России поднял ключевую ставку до 21% годовых",
    "Банк России на заседании в пятницу повысил ключевую ставку на 200 базисных пунктов, до 21% "
    "годовых, говорится в сообщении регулятора.",
)
_RU_OTHER = (
    "Набиуллина не исключила дальнейшего повышения ставки",
    "МОСКВА (ТАСС) - Глава Банка России Эльвира Набиуллина на пресс-конференции в пятницу не "
    "исключила дальнейшего повышения ключевой ставки в декабре, если инфляция не начнёт "
    "замедляться.",
)

_AR = (
    "الأمم المتحدة تحذر من مجاعة وشيكة في السودان",
    "جنيف (رويترز) - حذرت الأمم المتحدة يوم الثلاثاء من أن ملايين الأشخاص في السودان يواجهون "
    "خطر المجاعة مع استمرار القتال وتعطل وصول المساعدات الإنسانية إلى إقليم دارفور.",
)
_AR_REPRINT = (
    "تحذير أممي: السودان على شفا مجاعة",
    "حذرت الأمم المتحدة يوم الثلاثاء من أن ملايين الأشخاص في السودان يواجهون خطر المجاعة مع "
    "استمرار القتال وتعطل وصول المساعدات الإنسانية إلى إقليم دارفور، وفقا لرويترز.",
)
_AR_OTHER = (
    "وصول قافلة مساعدات إلى دارفور لأول مرة منذ أشهر",
    "الخرطوم (رويترز) - قالت الأمم المتحدة يوم الأربعاء إن قافلة مساعدات إنسانية وصلت إلى إقليم "
    "دارفور في السودان لأول مرة منذ أشهر، محملة بالغذاء والدواء.",
)

_ZH = (
    "中国人民银行宣布下调存款准备金率0.5个百分点",
    "新华社北京9月24日电 中国人民银行行长潘功胜24日在国新办新闻发布会上宣布，近期将下调存款准备金率"
    "0.5个百分点，向金融市场提供长期流动性约1万亿元。",
)
_ZH_REPRINT = (
    "央行：近期将降准0.5个百分点",
    "中国人民银行行长潘功胜24日在国新办新闻发布会上宣布，近期将下调存款准备金率0.5个百分点，"
    "向金融市场提供长期流动性约1万亿元。（来源：新华社）",
)
_ZH_OTHER = (
    "央行下调7天逆回购利率0.2个百分点",
    "新华社北京9月24日电 中国人民银行行长潘功胜24日表示，将下调7天期逆回购操作利率0.2个百分点，"
    "从目前的1.7%调降至1.5%，引导贷款市场报价利率和存款利率同步下行。",
)

_JA = (
    "日銀、17年ぶりの利上げ決定　マイナス金利解除",
    "日本銀行は19日の金融政策決定会合で、マイナス金利政策の解除を決めた。利上げは17年ぶり。"
    "短期金利を0～0.1％程度に誘導する。",
)
_JA_REPRINT = (
    "マイナス金利を解除、日銀が17年ぶり利上げ",
    "日本銀行は19日の金融政策決定会合で、マイナス金利政策の解除を決めた。利上げは17年ぶりとなる。",
)
_JA_OTHER = (
    "植田総裁、追加利上げは慎重に判断と表明",
    "日本銀行の植田和男総裁は19日の記者会見で、追加の利上げについては経済や物価の動向を見ながら"
    "慎重に判断する考えを示した。",
)

_SPORT = (
    "Real Madrid beat Dortmund 2-0 to win 15th European Cup",
    "LONDON (Reuters) - Real Madrid won their 15th European Cup on Saturday, beating Borussia "
    "Dortmund 2-0 at Wembley with late goals from Dani Carvajal and Vinicius Jr after the "
    "German side had wasted a series of chances in the first half.",
)
_SPORT_REPRINT = (
    "Carvajal, Vinicius strike late as Real beat Dortmund in final",
    "Real Madrid won their 15th European Cup on Saturday, beating Borussia Dortmund 2-0 at "
    "Wembley with late goals from Dani Carvajal and Vinicius Jr after the German side had "
    "wasted a series of chances.",
)
_SPORT_OTHER = (
    "Kroos bows out a champion as Real Madrid lift the trophy",
    "LONDON (Reuters) - Toni Kroos ended his club career with a sixth European Cup on Saturday "
    "after Real Madrid beat Borussia Dortmund at Wembley, the German midfielder having "
    "announced his retirement from club football last month.",
)

# One Reuters story as three outlets carry it, and another story on the same topic.
WIRE, REPRINT, SHORT_COPY, REPLY = _TROOPS, _TROOPS_REPRINT, _TROOPS_AMP, _TROOPS_REPLY

SAME: list[tuple[Text, Text]] = [
    (_TROOPS, _TROOPS_REPRINT),
    (_TROOPS, _TROOPS_AMP),
    (_TROOPS_REPRINT, _TROOPS_AMP),
    (_QUAKE, _QUAKE_REPRINT),
    (_RATES, _RATES_REPRINT),
    (_FR, _FR_REPRINT),
    (_DE, _DE_REPRINT),
    (_ES, _ES_REPRINT),
    (_RU, _RU_REPRINT),
    (_AR, _AR_REPRINT),
    (_ZH, _ZH_REPRINT),
    (_JA, _JA_REPRINT),
    (_SPORT, _SPORT_REPRINT),
]

# Different stories on one topic, often by the same agency and sharing names and phrases.
DIFFERENT: list[tuple[Text, Text]] = [
    (_TROOPS, _TROOPS_REPLY),
    (_TROOPS, _TROOPS_NATO),
    (_TROOPS_REPRINT, _TROOPS_NATO),
    (_TROOPS_REPLY, _TROOPS_NATO),
    (_QUAKE, _QUAKE_OTHER),
    (_QUAKE_REPRINT, _QUAKE_OTHER),
    (_RATES, _RATES_OTHER),
    (_FR, _FR_OTHER),
    (_DE, _DE_OTHER),
    (_DE_REPRINT, _DE_OTHER),
    (_ES, _ES_OTHER),
    (_RU, _RU_OTHER),
    (_AR, _AR_OTHER),
    (_ZH, _ZH_OTHER),
    (_ZH_REPRINT, _ZH_OTHER),
    (_JA, _JA_OTHER),
    (_SPORT, _SPORT_OTHER),
    (_FR, _TROOPS),  # one story in two languages is two texts: kept apart
]
