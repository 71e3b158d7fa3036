"""Knowledge base: load the YAML entries in messages/kb/ and validate them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from messages.deadlines import without_deadlines
from messages.legal_refs import DEFAULT_LEGAL_DIR, load_reference

KB_DIR = Path(__file__).resolve().parent / "kb"
TRANSLATIONS = Path("en") / "translations.yaml"  # within the knowledge base's folder
KINDS = ("article", "policy", "faq")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Document:
    id: str
    short: str
    name: str
    articles: int
    in_force: bool
    file: str | None = None


@dataclass(frozen=True)
class Citation:
    source: str
    article: int | None
    clause: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "article": self.article, "clause": self.clause}


@dataclass(frozen=True)
class English:
    """An entry's English title and summary (messages/kb/en/translations.yaml)."""

    title: str
    text: str
    note: str = ""
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    title: str
    text: str
    citations: tuple[Citation, ...]
    note: str = ""
    source: str | None = None
    article: int | None = None
    chapter: str = ""
    keywords: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    file: str = field(default="", compare=False)
    en: English | None = field(default=None, compare=False)


@dataclass
class KnowledgeBase:
    documents: dict[str, Document]
    entries: list[Entry]
    by_id: dict[str, Entry]
    by_article: dict[tuple[str, int], Entry]


def load_documents(kb_dir: Path = KB_DIR) -> dict[str, Document]:
    """Read documents.yaml into a mapping id → Document."""
    raw = yaml.safe_load((kb_dir / "documents.yaml").read_text(encoding="utf-8"))
    docs = {}
    for item in raw["documents"]:
        doc = Document(
            id=item["id"],
            short=item["short"],
            name=item["name"],
            articles=int(item["articles"]),
            in_force=bool(item.get("in_force", True)),
            file=item.get("file"),
        )
        docs[doc.id] = doc
    return docs


def _citation(raw: Any) -> Citation:
    if not isinstance(raw, dict) or "source" not in raw:
        raise ValueError(f"trích dẫn không hợp lệ: {raw!r}")
    return Citation(str(raw["source"]), raw.get("article"), raw.get("clause"))


def _entry(raw: dict[str, Any], file: str) -> Entry:
    def nfc(value: Any) -> str:
        return unicodedata.normalize("NFC", str(value or "")).strip()

    return Entry(
        id=nfc(raw.get("id")),
        kind=nfc(raw.get("kind")),
        title=nfc(raw.get("title")),
        text=nfc(raw.get("text")),
        note=nfc(raw.get("note")),
        citations=tuple(_citation(c) for c in raw.get("citations") or ()),
        source=raw.get("source"),
        article=raw.get("article"),
        chapter=nfc(raw.get("chapter")),
        keywords=tuple(nfc(k) for k in raw.get("keywords") or ()),
        questions=tuple(nfc(q) for q in raw.get("questions") or ()),
        file=file,
    )


def load_entry_files(paths: list[Path]) -> tuple[list[Entry], list[str]]:
    """Parse entry files; returns the entries and the errors met while parsing."""
    entries: list[Entry] = []
    errors: list[str] = []
    for path in paths:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for item in raw.get("entries") or []:
                entries.append(_entry(item, path.name))
        except (yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:
            errors.append(f"{path.name}: không đọc được: {exc}")
    return entries, errors


def load_english(path: Path) -> dict[str, English]:
    """Entry id → its English title and summary; none when the file is absent."""
    if not path.is_file():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}

    def nfc(value: Any) -> str:
        return unicodedata.normalize("NFC", str(value or "")).strip()

    return {
        nfc(item["id"]): English(
            title=nfc(item.get("title")),
            text=nfc(item.get("text")),
            note=nfc(item.get("note")),
            questions=tuple(nfc(q) for q in item.get("questions") or ()),
        )
        for item in raw.get("translations") or []
    }


def with_english(entries: list[Entry], english: dict[str, English]) -> list[Entry]:
    return [replace(e, en=english[e.id]) if e.id in english else e for e in entries]


def entry_files(kb_dir: Path = KB_DIR) -> list[Path]:
    return sorted(p for p in kb_dir.glob("*.yaml") if p.name != "documents.yaml")


def load_kb(kb_dir: Path = KB_DIR) -> KnowledgeBase:
    """Load every entry file; raises ValueError when a file cannot be parsed."""
    documents = load_documents(kb_dir)
    entries, errors = load_entry_files(entry_files(kb_dir))
    if errors:
        raise ValueError("; ".join(errors))
    entries = with_english(entries, load_english(kb_dir / TRANSLATIONS))
    by_article = {
        (e.source, e.article): e
        for e in entries
        if e.kind == "article" and e.source and isinstance(e.article, int)
    }
    return KnowledgeBase(documents, entries, {e.id: e for e in entries}, by_article)


# --- validation -----------------------------------------------------------------------------

_REFERENCE = re.compile(
    r"(?:Điều|điều|Khoản|khoản|Điểm|điểm|Chương|chương|Mục|mục|Bước|bước"
    r"|Articles?|articles?|[Cc]lauses?|[Pp]oints?|[Cc]hapters?|[Ss]teps?)\s+\d+"
    r"(?:\s*(?:,|và|hoặc|đến|tới|-|–|and|or|to)\s*\d+)*",
)
_DOC_NUMBER = re.compile(
    r"\d+/\d{4}/[A-Za-zĐđ-]+\d*|(?:Nghị định|Thông tư|Quyết định|Luật)"
    r"\s+(?:số\s+)?\d+/\d{4}|(?:Decree|Circular|Decision|Law)\s+(?:No\.\s*)?\d+/\d{4}"
)
_LAW_YEAR = re.compile(
    r"[Ll]uật(?: HTX| [Hh]ợp tác xã)?(?: năm)? (?:2012|2023)"
    r"|\b(?:2012|2023) [Ll]aw\b|[Ll]aw on [Cc]ooperatives(?: of)? (?:2012|2023)"
)
_KNOWN_DATES = re.compile(r"\b0?1/0?7/(?:2024|2025)\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def normalise_number(token: str) -> str:
    """'05' → '5'; '1.000.000' → '1000000'; '0,5' stays '0,5'."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", token):
        token = token.replace(".", "")
    head, sep, tail = token.partition(",")
    head = head.lstrip("0") or "0"
    return head + sep + tail


_CLAUSE_LABEL = re.compile(r"^\s*\d+\.(?=\s)", re.MULTILINE)


def numbers_in(text: str, *, reference: bool = False, english: bool = False) -> set[str]:
    """Numbers stated as facts: references (Điều/khoản…), document numbers and, in a
    reference text, the clause labels ('3. …') are not facts and are left out. English
    writes '1,000' and '1.5' where Vietnamese writes '1.000' and '1,5'."""
    if english:
        text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
        text = re.sub(r"(?<=\d)\.(?=\d)", ",", text)
    if reference:
        text = _CLAUSE_LABEL.sub(" ", text)
    else:  # a deadline marker's date and months are checked as the deadline, not as facts
        text = _KNOWN_DATES.sub(" ", without_deadlines(text))
    for pattern in (_DOC_NUMBER, _LAW_YEAR, _REFERENCE):
        text = pattern.sub(" ", text)
    return {normalise_number(t) for t in _NUMBER.findall(text)}


def validate(
    entries: list[Entry],
    documents: dict[str, Document],
    legal_dir: Path | None = DEFAULT_LEGAL_DIR,
) -> list[str]:
    """Return one readable error per problem found; an empty list means the KB is valid."""
    errors: list[str] = []
    seen_ids: set[str] = set()
    seen_articles: dict[tuple[str, int], str] = {}
    for e in entries:
        where = f"{e.file}: {e.id or '(không có id)'}"
        if not _ID.match(e.id):
            errors.append(f"{where}: id phải gồm chữ thường, số và '-'")
        if e.id in seen_ids:
            errors.append(f"{where}: id bị trùng")
        seen_ids.add(e.id)
        if e.kind not in KINDS:
            errors.append(f"{where}: kind phải là một trong {KINDS}")
        if not e.title or not e.text:
            errors.append(f"{where}: thiếu title hoặc text")
        if not e.citations:
            errors.append(f"{where}: thiếu citations")
        for c in e.citations:
            errors.extend(_check_citation(where, c, documents))
        if e.kind == "article":
            errors.extend(_check_article_entry(where, e, documents, seen_articles))
        if legal_dir is not None:
            errors.extend(_check_numbers(where, e, documents, legal_dir))
    return errors


def validate_english(entries: list[Entry], english: dict[str, English]) -> list[str]:
    """Each translation belongs to an entry and states no number its Vietnamese entry does
    not (that one is checked against the law)."""
    by_id = {e.id: e for e in entries}
    errors = []
    for entry_id, en in english.items():
        where = f"{TRANSLATIONS}: {entry_id}"
        entry = by_id.get(entry_id)
        if entry is None:
            errors.append(f"{where}: không có mục nào mang id này")
            continue
        if not en.title or not en.text:
            errors.append(f"{where}: thiếu title hoặc text")
        said = numbers_in(f"{en.text}\n{en.note}", english=True)
        extra = said - numbers_in(f"{entry.text}\n{entry.note}")
        if extra:
            errors.append(f"{where}: số không có trong bản tiếng Việt: {', '.join(sorted(extra))}")
    return errors


def _check_citation(where: str, c: Citation, documents: dict[str, Document]) -> list[str]:
    doc = documents.get(c.source)
    if doc is None:
        return [f"{where}: văn bản không rõ '{c.source}'"]
    errors = []
    if c.article is not None and (
        not isinstance(c.article, int)
        or isinstance(c.article, bool)
        or not 1 <= c.article <= doc.articles
    ):
        errors.append(f"{where}: {c.source} không có Điều {c.article} (1–{doc.articles})")
    if c.clause is not None and (not isinstance(c.clause, int) or c.clause < 1):
        errors.append(f"{where}: clause phải là số nguyên dương hoặc null")
    return errors


def _check_article_entry(
    where: str, e: Entry, documents: dict[str, Document], seen: dict[tuple[str, int], str]
) -> list[str]:
    if not e.source or not isinstance(e.article, int):
        return [f"{where}: mục kind=article cần source và article"]
    errors = _check_citation(where, Citation(e.source, e.article), documents)
    key = (e.source, e.article)
    if key in seen:
        errors.append(f"{where}: Điều {e.article} {e.source} đã có ở {seen[key]}")
    seen[key] = e.id
    if e.source == "luat-htx-2012" and not e.note:
        errors.append(f"{where}: mục Luật HTX 2012 phải có note nói quy định hiện hành")
    return errors


def _check_numbers(
    where: str, e: Entry, documents: dict[str, Document], legal_dir: Path
) -> list[str]:
    allowed: set[str] = set()
    any_reference = False
    for c in e.citations:
        doc = documents.get(c.source)
        if doc is None or not doc.file or c.article is None:
            continue
        articles = load_reference(legal_dir / doc.file)
        body = articles.get(c.article) if isinstance(c.article, int) else None
        if body is None:
            continue
        any_reference = True
        allowed |= numbers_in(body, reference=True)
    if not any_reference:
        return []
    errors = []
    for label, text in (("text", e.text), ("note", e.note)):
        missing = sorted(numbers_in(text) - allowed)
        if missing:
            listed = ", ".join(missing)
            errors.append(f"{where}: số trong {label} không có ở điều được trích dẫn: {listed}")
    return errors
