"""A clause's handbook page: where it stands in each template, guidance, texts, variants, parameters.

The texts are rendered with specimen data in one agreement that holds every clause, so the
numbers it gives (the article's, its sub-clauses', those `ref()` prints) belong to no template
a reader can see. The page shows none of them: the article's number is given per template at
the top, sub-clauses read `X.1`, and a reference names the clause it points to.
"""

from __future__ import annotations

import difflib
import re

from ..assemble import SPECIAL_CONDITIONS, Session
from ..errors import ContentError
from ..models import Guidance, Parameter
from ..parameters import terms_read
from ..planning import SPECIAL_TITLE
from ..rendered_library import rendered_clause, specimen_sessions
from ..repository import Clause, Repository
from .layout import (Page, category_label, clause_page_path, in_each, in_language, indent, language_name, link,
                     template_rows, yaml_string)
from .safetext import code, content, html, plain
from .words import article_word, colon, prose_word, say, sentence, word

GUIDANCE = (
    ("when", "tip", {"fr": "Quand l'utiliser", "en": "When to use it"}),
    ("negotiation", "question", {"fr": "Négociation", "en": "Negotiation"}),
    ("risks", "warning", {"fr": "Risques", "en": "Risks"}),
)
SUBCLAUSE_PLACEHOLDER = "X"
_QUOTES = {"fr": ("«\u00a0", "\u00a0»"), "en": ("“", "”")}  # any other language: the English ones
LABEL_WORD = {"fr": "Libellé", "en": "Label"}
_ARTICLE_HEADING = re.compile(r"^# .*\n+", re.M)
_SUBHEADING = re.compile(r"^## (.+)$", re.M)


def template_articles(repo: Repository, clause_id: str) -> list[tuple[str, int | None, str]]:
    """(template, article number or None, note) for every template that holds the clause."""
    found = []
    for name, template in sorted(repo.templates.items()):
        if template.meta is not None:
            found += [(name, number, note) for number, id_, note in template_rows(template.meta) if id_ == clause_id]
    return found


def _article_words(repo: Repository, clause_id: str) -> tuple[str, str]:
    """("Article", "articles"), ("Section", "sections"): what the templates holding the clause
    (or, if none does, all templates) call an article, in the library's first language."""
    holders = [repo.templates[name].meta for name, _, _ in template_articles(repo, clause_id)]
    metas = holders or [template.meta for template in repo.templates.values()]
    first = repo.languages[0]
    return article_word(metas, first), article_word(metas, first, plural=True).lower()


def _articles_line(repo: Repository, clause: Clause, path: str, words: tuple[str, str]) -> str:
    label, plural = words
    languages = repo.languages  # the sentences are in the library's language (words.py)
    where = []
    for name, number, note in template_articles(repo, clause.id):
        template = repo.templates[name]
        title = template.meta.title[repo.template_languages(template)[0]]
        target = f"[{plain(title)}]({link(path, f'contract-types/{name}.md')})"
        if number is None:
            where.append(sentence("unnumbered", languages, note=prose_word(note, languages), target=target))
        else:
            where.append(sentence("in_template", languages, number=number, target=target)
                         + (f" ({prose_word('optional', languages)})" if note else ""))
    if not where:
        return f"**{label}{colon(languages)}** " + sentence("no_template", languages, plural=plural)
    return f"**{label}{colon(languages)}** " + " · ".join(where)


# An item line ("(a) …", "    (i) …") right after a line of text: in the handbook's Markdown it
# would run on in the same paragraph; a hard break keeps it on its line, indented by its level.
_ITEM_AFTER_TEXT = re.compile(r"(?<=\S)\n((?: {4})*)(?=\([a-z0-9]+\) )")


def _item_on_its_line(match: re.Match) -> str:
    return "  \n" + "\u2003\u2003" * (len(match.group(1)) // 4)


def _display_text(markdown: str, page: str, repo: Repository, language: str, number: int | None) -> str:
    """An article as the handbook shows it: no article heading, sub-clauses in bold and numbered
    `X.1`, a reference to another clause named by that clause's title and linked to its page."""
    text = _ARTICLE_HEADING.sub("", markdown, count=1) if markdown.startswith("# ") else markdown
    text = re.sub(r"^::: \{#[a-z0-9-]+\}\n|^:::$", "", text, flags=re.M)
    if number is not None:  # the specimen's article number, in front of each sub-clause's
        prefix = re.compile(rf"^(## |\*\*){number}\.(?=\d)", re.M)
        text = prefix.sub(lambda m: f"{m.group(1)}{SUBCLAUSE_PLACEHOLDER}.", text)
    text = _SUBHEADING.sub(lambda m: f"**{m.group(1)}**", text)
    text = re.sub(r"^# (.+)$", r"**\1**", text, flags=re.M)
    opening, closing = _QUOTES.get(language, _QUOTES["en"])

    def ref(match: re.Match) -> str:  # what ref() printed: the number, linked to the article
        target = match.group(1)
        if target in repo.clauses:
            title = plain(repo.clauses[target].title(language))
            return f"{opening}[{title}]({link(page, clause_page_path(repo.clauses[target]))}){closing}"
        return f"{opening}{plain(SPECIAL_TITLE[language]) if target == SPECIAL_CONDITIONS else plain(target)}{closing}"

    def anchor(match: re.Match) -> str:  # a link the author wrote to an article: to its page
        target = match.group(1)
        return "](" + (link(page, clause_page_path(repo.clauses[target])) if target in repo.clauses else "#") + ")"

    text = re.sub(r"\[\d+\]\(#art-([a-z0-9-]+)\)", ref, text)
    # A sub-clause's or item's reference ("3.1(a)", numbered as in one contract type) names its
    # clause as an article's does; label anchors ({#sub-…}, []{#sub-…}) have no use on this page.
    text = re.sub(r"\[[^\]\n]*\]\(#sub-([a-z0-9-]+)(?:\.[a-z0-9.-]*)?\)", ref, text)
    text = re.sub(r" ?\{#sub-[a-z0-9.-]+\}|\[\]\{#sub-[a-z0-9.-]+\}", "", text)
    text = _ITEM_AFTER_TEXT.sub(_item_on_its_line, text)
    return re.sub(r"\]\(#art-([a-z0-9-]+)\)", anchor, text).strip("\n")


def _word_diff(old: str, new: str) -> str:
    """The new text with CriticMarkup insertions and deletions against the old, paragraph by paragraph."""
    old_blocks, new_blocks = old.split("\n\n"), new.split("\n\n")
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old_blocks, b=new_blocks, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(new_blocks[b1:b2])
        elif op == "insert":
            out.extend(f"{{++{block}++}}" if "\n" not in block else block for block in new_blocks[b1:b2])
        elif op == "delete":
            out.extend(f"{{--{block}--}}" if "\n" not in block else "" for block in old_blocks[a1:a2])
        else:
            old_words = " ".join(old_blocks[a1:a2]).split(" ")
            new_words = " ".join(new_blocks[b1:b2]).split(" ")
            words = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
            parts = []
            for wop, w1, w2, v1, v2 in words.get_opcodes():
                if wop == "equal":
                    parts.append(" ".join(new_words[v1:v2]))
                if wop in ("delete", "replace"):
                    parts.append("{--" + " ".join(old_words[w1:w2]) + "--}")
                if wop in ("insert", "replace"):
                    parts.append("{++" + " ".join(new_words[v1:v2]) + "++}")
            out.append(" ".join(p for p in parts if p))
    return "\n\n".join(b for b in out if b)


def _parameter_row(name: str, parameter: Parameter, languages: tuple[str, ...]) -> str:
    bounds = []
    if parameter.min is not None:
        bounds.append(f"≥ {plain(parameter.min)}")
    if parameter.max is not None:
        bounds.append(f"≤ {plain(parameter.max)}")
    if parameter.choices:
        bounds.append(" · ".join(code(c) for c in parameter.choices))
    default = "—" if parameter.default is None else code(parameter.default)
    return (f"| {code(name)} | {plain(parameter.type)} | {default} | {', '.join(bounds) or '—'} | "
            + "".join(f"{plain(parameter.label[lang])} | " for lang in languages).rstrip())


def parameter_header(languages, label_languages=None) -> str:
    """A parameter or key-term table's header: "| Name | Type | Default | Bounds | Libellé | Label |"."""
    columns = [prose_word(key, languages) for key in ("name", "type", "default", "bounds")]
    labels = [LABEL_WORD.get(lang, language_name(lang)) for lang in (label_languages or languages)]
    return "| " + " | ".join(columns + labels) + " |"


def _tabs(blocks: dict[str, str]) -> list[str]:
    """One tab per language, its content marked with the language; a monolingual library's
    handbook has no tab to choose, only the text (its page says its language: `lang:`)."""
    if len(blocks) == 1:
        return [*blocks.values(), ""]
    lines = []
    for language in blocks:  # the library's languages, in its order
        lines += [f'=== "{language_name(language)}"', "", indent(in_language(blocks[language], language)), ""]
    return lines


def clause_page(repo: Repository, clause: Clause, last_changed: str | None,
                sessions: dict[str, Session] | None = None) -> Page:
    path = clause_page_path(clause)
    sessions = specimen_sessions(repo) if sessions is None else sessions
    texts, findings = rendered_clause(clause, sessions)  # the same path as `check` (rule `renders`)
    if findings:
        raise ContentError(findings)
    numbers = {language: getattr(specimens.find(clause.id), "number", None)  # where it rendered
               for language, specimens in sessions.items()}
    shown = {(variant, language): content(_display_text(text, path, repo, language, numbers.get(language)))
             for (variant, language), text in texts.items()}
    languages = repo.languages
    titles = in_each(clause.title, languages)  # each title once: « Signatures », not twice
    standard = {language: clause.text("standard", language).front for language in languages}
    for language in [lang for lang in languages if standard[lang].translate]:  # not written yet: said, not shown
        wait = word("to_translate", language)
        standard[language] = standard[language].model_copy(update={"summary": wait, "guidance": Guidance(
            when=wait, negotiation=wait, risks=wait)})
        shown = {key: "" if key == ("standard", language) else value for key, value in shown.items()}
    category = category_label(clause.meta.category, languages)
    words = _article_words(repo, clause.id)
    lines = [
        "---",
        f"title: {yaml_string(html(' · '.join(titles)))}",
        "tags:",
        f"  - {yaml_string(category)}",
        *([f"lang: {languages[0]}"] if len(languages) == 1 else []),  # the whole page is in it
        "---",
        "",
        f"# {plain(titles[0])}" + "".join(f" <small>{plain(title)}</small>" for title in titles[1:]),
        "",
        f"**{say('category', languages)}{colon(languages)}** [{category}](index.md) · "
        f"**Version{colon(languages)}** {clause.meta.version} · "
        f"**{say('last_change', languages)}{colon(languages)}** {last_changed or '—'}",
        "",
        _articles_line(repo, clause, path, words),
        "",
        f"## {say('guidance', languages)}",
        "",
    ]
    for key, _, label in GUIDANCE:  # headings: in the table of contents, before the texts
        heading = " · ".join(in_each(lambda lang: label.get(lang, label["en"]), languages))
        lines += [f"### {heading} {{ #{key} }}", ""]
        lines += _tabs({language: content(getattr(standard[language].guidance, key)) for language in languages})
    lines += [f"## {say('text', languages)}", ""]
    lines += _tabs({language: f"*{content(standard[language].summary)}*\n\n{shown[('standard', language)]}"
                    for language in languages})
    if any(f"**{SUBCLAUSE_PLACEHOLDER}." in text for text in shown.values()):
        lines += [sentence("subclauses", languages, x=SUBCLAUSE_PLACEHOLDER, lower=words[0].lower(), word=words[0]),
                  ""]
    if clause.meta.variants:
        lines += [f"## {say('variants', languages)}", "", sentence("deletions", languages), ""]
        for variant, info in clause.meta.variants.items():
            lines += [f"### {plain(variant)} — " + " · ".join(plain(text) for text in in_each(info.label.__getitem__,
                                                                                            languages)),
                      "", f"**{say('approval', languages)}{colon(languages)}** {plain(info.approval)}", ""]
            blocks = {}
            for language in languages:
                front = clause.text(variant, language).front
                diff = _word_diff(shown[("standard", language)], shown[(variant, language)])
                blocks[language] = "\n\n".join([f"*{content(front.summary)}*", diff,
                                                f'!!! tip "{GUIDANCE[0][2].get(language, GUIDANCE[0][2]["en"])}"',
                                                indent(content(front.guidance.when))])
            lines += _tabs(blocks)
    lines += [f"## {say('parameters', languages)}", ""]
    if clause.meta.parameters:
        lines += [parameter_header(languages), "|---|---|---|---|" + "---|" * len(languages)]
        lines += [_parameter_row(name, p, languages) for name, p in clause.meta.parameters.items()]
        lines += ["", sentence("highlighted", languages)]
    else:
        lines += [sentence("no_parameters", languages)]
    terms = sorted({name for text in clause.texts.values() for name, _, _ in terms_read(text.body)})
    if terms:  # declared by the templates (their pages list them), set once per agreement
        lines += ["", f"**{say('key_terms_read', languages)}{colon(languages)}** " + ", ".join(code(t) for t in terms)
                  + sentence("terms_read", languages)]
    return Page(path, titles[0], "\n".join(lines) + "\n")
