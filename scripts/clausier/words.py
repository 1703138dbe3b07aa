"""Amounts in words, in French and English, from a Decimal.

The integer part and the cents are spelled separately (never « zéro centime »), and French
takes « d'euros » after a round million, milliard, billion or billiard, and « une » before a
feminine currency (« vingt et une couronnes »). The currency names, in the singular and the
plural, come from currencies.py (CLDR through Babel): every ISO 4217 currency in use.

The numbers are spelled here rather than by num2words, which the design first chose: num2words
imports its fifty-odd languages at its first import, some 40-60 ms of every one-agreement
rebuild, for the two we use. The tests compare this speller with num2words (a test dependency)
over every form a group of three digits takes and thousands of larger numbers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from .currencies import names

def amount_in_words(amount: Decimal, currency: str, language: str) -> str:
    """`Decimal("12000")`, "EUR", "fr" → « douze mille euros »; any currency Babel names
    (currencies.py), rounded to its decimals as the figure is (« cinq mille yens »)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"amounts in words take a Decimal, not {type(amount).__name__}")
    if amount < 0:
        raise ValueError("amounts in words must not be negative")
    if language not in LANGUAGES:
        raise ValueError(f"amounts in words are not available in {language!r}; they are in: {', '.join(LANGUAGES)}")
    (unit_one, unit_many), minor, decimals = names(currency, language)
    scale = 10 ** decimals
    minor_total = int((amount * scale).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    units, fraction = divmod(minor_total, scale)
    parts = []
    if units or not fraction:
        spelled = _spell(units, language)
        # French keeps the singular for zero and one (« zéro euro »).
        name = unit_one if units == 1 or (units == 0 and language == "fr") else unit_many
        if language == "fr" and name.split()[0] in _FRENCH_FEMININE and spelled.endswith("un"):
            spelled += "e"  # « une couronne », « vingt et une livres »
        if language == "fr" and spelled.split()[-1].rstrip("s") in _FRENCH_SCALE_NOUNS:
            # « un million d'euros », « deux millions de couronnes suédoises »
            parts.append(f"{spelled} d'{name}" if name[0].lower() in _FRENCH_VOWELS else f"{spelled} de {name}")
        else:
            parts.append(f"{spelled} {name}")
    if fraction and minor is not None:
        minor_one, minor_many = minor
        parts.append(f"{_spell(fraction, language)} {minor_one if fraction == 1 else minor_many}")
    joiner = " et " if language == "fr" else " and "
    return joiner.join(parts)


LANGUAGES = ("fr", "en")  # the languages amounts are spelled in (languages.py checks agreements)
# Currency nouns that are feminine in French (the others CLDR names are masculine).
_FRENCH_FEMININE = {"couronne", "couronnes", "gourde", "gourdes", "hryvnia", "hryvnias", "livre", "livres",
                    "roupie", "roupies", "pataca", "patacas"}
_FRENCH_VOWELS = set("aeiouàâäéèêëîïôöùûü")  # « d'euros », but « de yens »: y before a vowel is a consonant


def _spell(value: int, language: str) -> str:
    if not 0 <= value < LIMIT:
        raise ValueError(f"amounts in words stop below {LIMIT:,} units".replace(",", " "))
    return _spell_french(value) if language == "fr" else _spell_english(value)


LIMIT = 10**18  # a billiard (fr) or a quadrillion (en) is the largest scale word spelled


# ---- French (traditional spelling: hyphens below a hundred, spaces around cent and mille)

_FRENCH_SMALL = ("zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
                 "seize").split()
_FRENCH_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}
# Nouns: they take an article-like count (« un million ») and an s in the plural.
_FRENCH_SCALES = ((10**15, "billiard"), (10**12, "billion"), (10**9, "milliard"), (10**6, "million"))
_FRENCH_SCALE_NOUNS = {noun for _, noun in _FRENCH_SCALES}


def _french_below_100(n: int) -> str:
    if n <= 16:
        return _FRENCH_SMALL[n]
    if n < 20:
        return "dix-" + _FRENCH_SMALL[n - 10]
    tens, unit = divmod(n, 10)
    if tens in (7, 9):  # counted in twenties: soixante-dix, quatre-vingt-onze
        base, rest = ("soixante", n - 60) if tens == 7 else ("quatre-vingt", n - 80)
        return "soixante et onze" if n == 71 else f"{base}-{_french_below_100(rest)}"
    if tens == 8:
        return "quatre-vingts" if unit == 0 else "quatre-vingt-" + _FRENCH_SMALL[unit]
    if unit == 0:
        return _FRENCH_TENS[tens]
    return _FRENCH_TENS[tens] + (" et un" if unit == 1 else "-" + _FRENCH_SMALL[unit])


def _french_below_1000(n: int, before_mille: bool) -> str:
    """1-999. Cent and quatre-vingt take an s when multiplied and last, except before « mille »
    (an adjective); before « millions » (a noun) they keep it."""
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        plural = hundreds > 1 and rest == 0 and not before_mille
        words.append(("cent" if hundreds == 1 else _FRENCH_SMALL[hundreds] + " cent") + ("s" if plural else ""))
    if rest:
        words.append("quatre-vingt" if rest == 80 and before_mille else _french_below_100(rest))
    return " ".join(words)


def _spell_french(n: int) -> str:
    if n == 0:
        return _FRENCH_SMALL[0]
    words = []
    for size, noun in _FRENCH_SCALES:
        count, n = divmod(n, size)
        if count:
            words.append(f"{_french_below_1000(count, False)} {noun}{'s' if count > 1 else ''}")
    thousands, n = divmod(n, 1000)
    if thousands:
        words.append("mille" if thousands == 1 else _french_below_1000(thousands, True) + " mille")
    if n:
        words.append(_french_below_1000(n, False))
    return " ".join(words)


# ---- English (British: "and" before the tens and units; no commas, as contracts write it)

_ENGLISH_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                  "fifteen sixteen seventeen eighteen nineteen").split()
_ENGLISH_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty",
                 9: "ninety"}
_ENGLISH_SCALES = ((10**15, "quadrillion"), (10**12, "trillion"), (10**9, "billion"), (10**6, "million"),
                   (10**3, "thousand"))


def _english_below_100(n: int) -> str:
    if n < 20:
        return _ENGLISH_SMALL[n]
    tens, unit = divmod(n, 10)
    return _ENGLISH_TENS[tens] + ("-" + _ENGLISH_SMALL[unit] if unit else "")


def _english_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _english_below_100(rest)
    head = _ENGLISH_SMALL[hundreds] + " hundred"
    return f"{head} and {_english_below_100(rest)}" if rest else head


def _spell_english(n: int) -> str:
    if n == 0:
        return _ENGLISH_SMALL[0]
    words = []
    for size, noun in _ENGLISH_SCALES:
        count, n = divmod(n, size)
        if count:
            words.append(f"{_english_below_1000(count)} {noun}")
    if n:  # "one thousand and five", but "one thousand two hundred"
        words.append(_english_below_1000(n) if n >= 100 or not words else "and " + _english_below_100(n))
    return " ".join(words)
