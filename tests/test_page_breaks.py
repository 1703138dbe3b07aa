"""Page breaks a reader notices (issue 20, items 10 and 11): a paragraph ending with ":" is printed
on the page of the list or table it introduces, and no name or address in the parties block is cut
by a hyphen. Read back from the built PDF with pypdf; the DOCX says the same with keep-with-next
(tests/test_word_layout.py). Headings stick to their text by style.typ's `sticky` headings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import make_repo

# Many lead-ins with lists and tables of various lengths, over some fifteen pages: several of them
# fall at the foot of a page (five with the style of today; the last test checks there are some).
BLOCKS = 120


def special_conditions() -> str:
    parts = []
    for n in range(BLOCKS):
        if n % 3 == 2:
            parts.append(f"Les tarifs applicables au lot {n} sont les suivants :\n\n"
                         f"| Lot {n} prestation | Tarif |\n|:--|--:|\n| Tarifpremier{n} | 100,00 € |\n"
                         f"| Tarifsecond{n} | 200,00 € |\n")
        else:
            items = "".join(f"- Élément{k} du lot {n}\n" for k in range(1, 2 + n % 3))
            parts.append(f"Le lot {n} comprend les éléments suivants :\n\n- Premierélément{n}\n{items}")
        if n % 2 == 1:
            parts.append(f"## Intertitre {n}\n\nTextesuivant{n} du sous-article.\n")
    return "\n".join(parts)


LONG_CLIENT = "Établissements Internationaux Pluridisciplinaires Extraordinairement Compétitifs SAS"
LONG_ADDRESS = "12 boulevard Circonférentiel Transfrontalier Métropolitain, 69003 Lyon"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[str]:
    from clausier.build import build

    repo = make_repo(tmp_path_factory.mktemp("breaks") / "repo")
    agreement = repo / "agreements/acme-fr.md"
    text = agreement.read_text().replace("Le Prestataire assure une formation d'une demi-journée.\n",
                                         special_conditions())
    text = text.replace("name: Atelier Lumière SARL", f"name: {LONG_CLIENT}").replace("form: SARL", "form: SAS")
    text = text.replace("address: 12 rue des Lilas, 69003 Lyon", f"address: {LONG_ADDRESS}")
    agreement.write_text(text, encoding="utf-8")
    assert build(repo, formats=["pdf", "md", "html"]).ok
    return [page.extract_text() for page in PdfReader(Path(repo / "build/acme-fr/acme-fr.pdf")).pages]


@pytest.fixture(scope="module")
def markdown(pages, tmp_path_factory) -> str:
    folder = next(Path(tmp_path_factory.getbasetemp()).glob("breaks*/repo/build/acme-fr"))
    return (folder / "acme-fr.md").read_text(encoding="utf-8")


def page_of(pages: list[str], pattern: str) -> int:
    found = [number for number, text in enumerate(pages) if re.search(pattern, text)]
    assert len(found) == 1, f"{pattern!r} on pages {found}"
    return found[0]


def test_a_lead_in_is_on_the_page_of_what_it_introduces(pages):
    assert len(pages) >= 10
    for n in range(BLOCKS):
        lead_in = page_of(pages, rf"(au lot|Le lot) {n} (sont|comprend)")
        first = page_of(pages, rf"(Premierélément|Tarifpremier){n}\b")
        assert first == lead_in, f"lead-in {n} on page {lead_in + 1}, its first item on page {first + 1}"
    # Some lead-ins open their page (the line after the running header): the test puts some at the
    # foot of a page, where only sticking to their list moves them over.
    openers = [n for n in range(BLOCKS) if any(re.match(rf"(Le lot|Les tarifs applicables au lot) {n} ",
                                                        page.splitlines()[1]) for page in pages[1:])]
    assert len(openers) >= 2


def test_no_name_or_address_in_the_parties_block_is_hyphenated(pages, markdown):
    block = pages[0].split("Entre les soussignés")[1].split("Il a été convenu")[0]
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    assert any("Établissements" in line for line in lines)
    # A line may end with a hyphen the text has ("Saint-Vincent"), never with one of its own.
    cuts = [f"{line} / {after}" for line, after in zip(lines, lines[1:]) if line.endswith(("-", "\u00ad"))
            and line.split()[-1] + after.split()[0] not in markdown]
    assert cuts == []
    words = " ".join(lines)
    for word in LONG_CLIENT.split() + LONG_ADDRESS.replace(",", "").split():
        assert word in words


def test_the_html_parties_block_is_not_hyphenated(markdown, tmp_path_factory):
    folder = next(Path(tmp_path_factory.getbasetemp()).glob("breaks*/repo/build/acme-fr"))
    page = (folder / "acme-fr.html").read_text(encoding="utf-8")
    assert '<div id="parties">' in page
    rule = re.search(r"#parties \{([^}]*)\}", page).group(1)  # the body is `hyphens: auto`
    assert re.search(r"(?m)^\s*hyphens: manual;", rule)
