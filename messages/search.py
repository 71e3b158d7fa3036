"""Question answering over the knowledge base: Vietnamese-aware BM25F plus fuzzy reranking.

Pipeline for a query: fold (lowercase, no diacritics, đ→d) → words → undo Telex leftovers and
fix small typos against the index vocabulary → expand abbreviations → unigrams + syllable
bigrams → BM25F over title/questions/keywords/text → rerank the top candidates by fuzzy
similarity to each entry's title and example questions → prefer the law in force unless the
user asks about the old one → confidence from how much of the query the best entry explains.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from messages import english, topics
from messages.deadlines import without_deadlines
from messages.english import english_entries, looks_english
from messages.kb import Entry, KnowledgeBase
from messages.textnorm import (
    ABBREVIATIONS,
    CORE_TERMS,
    OTHER_ENTITIES,
    SPELLINGS,
    dialect_variants,
    fold,
    in_scope,
    mentions,
    rewrite_phrases,
    search_words,
    typed_words,
    untelex,
    unvni,
)

FIELD_WEIGHTS = {"title": 3.0, "questions": 2.5, "keywords": 2.5, "text": 1.0, "chapter": 0.3}
K1, B = 1.2, 0.75
CANDIDATES = 30
CLOSE = 0.93  # a second answer scoring this share of the best one competes with it
# Words that carry no topic: excluded from the confidence measure, not from ranking.
STOPWORDS = frozenset(
    [
        "la",
        "gi",
        "cua",
        "va",
        "cho",
        "thi",
        "co",
        "khong",
        "duoc",
        "nhu",
        "the",
        "nao",
        "bao",
        "nhieu",
        "toi",
        "minh",
        "em",
        "anh",
        "chi",
        "a",
        "oi",
        "ha",
        "nhe",
        "voi",
        "de",
        "mot",
        "nhung",
        "cac",
        "trong",
        "khi",
        "neu",
        "phai",
        "o",
        "tai",
        "ve",
        "sao",
        "vay",
        "roi",
        "nay",
        "do",
        "ai",
        "day",
        "lam",
        "duoc",
        "muon",
        "hoi",
        "xin",
        "cam",
        "on",
        "giup",
        "ban",
        "ra",
        "vao",
        "len",
        "di",
        "den",
        "nhieu",
        "it",
        "hay",
        "hoac",
        "con",
        "se",
        "da",
        "dang",
    ]
)
_VNI_ONLY = re.compile(r"\d")  # digits in a word: VNI, whose letters must not be read as Telex
# Without one of these words, a question needs more of its words in the answer to be sure of it
# (textnorm.DOMAIN_TERMS has words other subjects share as well: thành viên, đăng ký, điều).
CO_OP_TERMS = frozenset(
    {
        *CORE_TERMS,
        "sang lap",
        "hoi nghi thanh lap",
        "dai hoi thanh vien",
        "dai hoi dai bieu",
        "thuong nien",
        "von dieu le",
        "cam ket gop",
        "gop du",
        "kiem soat vien",
        "to truong",
        "giai the",
        "quy ho tro",
        "khong chia",
        "tin dung noi bo",
        "giao dich noi bo",
        "lien minh",
        "kinh te tap the",
    }
)
GENERAL_WORDS_COVERAGE = 0.7
ASK_BACK_COVERAGE = 0.7  # asked back only when the entries have most of the question's words
OLD_LAW_HINTS = re.compile(r"\b(2012|luat cu|23 2012)\b")
_ARTICLE_REF = re.compile(r"\bdieu\s+(\d{1,3})\b")
_DOC_HINTS = (
    (re.compile(r"\b(2012|luat cu|23 2012)\b"), "luat-htx-2012"),
    (re.compile(r"\b(nghi dinh|nd)\s*193\b"), "nd-193-2013"),
    (re.compile(r"\b(nghi dinh|nd)\s*45\b"), "nd-45-2021"),
    (re.compile(r"\b(nghi dinh|nd)\s*77\b"), "nd-77-2019"),
    (re.compile(r"\b(nghi dinh|nd)\s*92\b"), "nd-92-2024"),
)


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Answer:
    query: str
    confident: bool
    hits: tuple[Hit, ...]
    article_lookup: bool = False
    # Not about co-ops at all ("giá lúa hôm nay"): the hits share only single words with it.
    off_topic: bool = False
    # Two close answers about different things the question does not tell apart: ask which.
    clarify: tuple[Hit, ...] = ()
    # Wants to found a co-op, a group or a union: offered the Alliance's help to register.
    founding: bool = False
    language: str = "vi"  # of the question: "en" when it was searched in English


def terms(tokens: list[str]) -> list[str]:
    """Unigrams plus adjacent-syllable bigrams, so 'hop tac xa' outranks 'hop' + 'xa' apart."""
    return tokens + [f"{a}_{b}" for a, b in itertools.pairwise(tokens)]


def entry_fields(entry: Entry) -> dict[str, list[str]]:
    return {
        "title": search_words(entry.title),
        "questions": search_words(" . ".join(entry.questions)),
        "keywords": search_words(" . ".join(entry.keywords)),
        "text": search_words(without_deadlines(entry.text)),
        "chapter": search_words(entry.chapter),
    }


class QAIndex:
    """An in-memory index over the knowledge base (a few hundred entries; built at start)."""

    def __init__(self, entries: Iterable[Entry], *, min_confidence: float = 0.45) -> None:
        self.entries: list[Entry] = []
        self.min_confidence = min_confidence
        # Postings as three parallel flat lists (term number, entry number, weighted tf).
        self._term_ids: dict[str, int] = {}
        self._p_term: list[int] = []
        self._p_doc: list[int] = []
        self._p_tf: list[float] = []
        self._lengths: list[float] = []
        self._fuzzy_texts: list[list[str]] = []
        self._is_old: list[bool] = []  # on the 2012 law: see _finish
        self._topics: list[topics.Topics] = []
        self._by_article: dict[tuple[str, int], Entry] = {}
        self._by_id: dict[str, Entry] = {}
        self._number: dict[str, int] = {}  # entry id → its place in self.entries
        self._vocab: set[str] = set()
        self._df: Counter[str] = Counter()
        # Pairs of adjacent words (either order) in titles, example questions and keywords.
        self._phrases: set[frozenset[str]] = set()
        for entry in entries:
            if entry.id not in self._by_id:  # a retried update must not index it twice
                self._add(entry)
        self._finish()
        translated = english_entries(self.entries) if self.language == "vi" else []
        self._english = EnglishIndex(translated) if translated else None

    @classmethod
    def from_kb(cls, kb: KnowledgeBase) -> QAIndex:
        return cls(kb.entries)

    # What an index in another language changes (EnglishIndex).
    language = "vi"
    stopwords: frozenset[str] = STOPWORDS

    def in_scope(self, tokens: list[str]) -> bool:
        return in_scope(tokens)

    def sure_enough(self, tokens: list[str], coverage: float) -> bool:
        """Confident in the best entry: the question is about co-ops and the entry has most of
        its words; a question with only words other subjects share ("thành viên đội tuyển",
        "đăng ký sim", "điều kiện vay tín chấp") needs more of them."""
        if not self.in_scope(tokens) or _only_a_topic(tokens):
            return False
        specific = mentions(tokens, CO_OP_TERMS) or bool(OLD_LAW_HINTS.search(" ".join(tokens)))
        return coverage >= (self.min_confidence if specific else GENERAL_WORDS_COVERAGE)

    # --- building --------------------------------------------------------------------------
    def _add(self, entry: Entry) -> None:
        doc_id = len(self.entries)
        self.entries.append(entry)
        self._by_id[entry.id] = entry
        self._number[entry.id] = doc_id
        weighted: defaultdict[str, float] = defaultdict(float)
        length = 0.0
        for name, tokens in entry_fields(entry).items():
            w = FIELD_WEIGHTS[name]
            for term in terms(tokens):
                weighted[term] += w
            length += w * len(tokens)
            self._vocab.update(tokens)
        for term, tf in weighted.items():
            self._p_term.append(self._term_ids.setdefault(term, len(self._term_ids)))
            self._p_doc.append(doc_id)
            self._p_tf.append(tf)
            self._df[term] += 1
        self._lengths.append(length)
        self._fuzzy_texts.append([fold(entry.title), *(fold(q) for q in entry.questions)])
        self._is_old.append(_on_the_old_law(entry))
        self._topics.append(topics.of_title(entry.title))
        for text in (entry.title, *entry.questions, *entry.keywords):
            self._phrases.update(_word_pairs(search_words(text)))
        if entry.kind == "article" and entry.source and isinstance(entry.article, int):
            self._by_article[(entry.source, entry.article)] = entry

    def _finish(self) -> None:
        n = len(self.entries) or 1
        self._avg_len = sum(self._lengths) / n if self._lengths else 1.0
        self._idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in self._df.items()}
        # Each term's BM25 contribution per entry is fixed once lengths are known: precompute it
        # so a query is a handful of vectorised additions, whatever the size of the index.
        lengths = np.asarray(self._lengths, dtype=np.float64)
        norms = K1 * (1 - B + B * lengths / self._avg_len)
        idf = np.zeros(len(self._term_ids), dtype=np.float64)
        for term, number in self._term_ids.items():
            idf[number] = self._idf[term]
        term_no = np.asarray(self._p_term, dtype=np.int64)
        doc = np.asarray(self._p_doc, dtype=np.int64)
        tf = np.asarray(self._p_tf, dtype=np.float64)
        order = np.argsort(term_no, kind="stable")
        self._docs = doc[order]
        self._contrib = (idf[term_no] * tf * (K1 + 1) / (tf + norms[doc]))[order]
        self._offsets: list[int] = np.searchsorted(
            term_no[order], np.arange(len(self._term_ids) + 1)
        ).tolist()
        self._vocab_list = sorted(self._vocab)
        self._vocab_frozen = frozenset(self._vocab)
        # Entries on the 2012 law, in force until 01/7/2024, come up only when asked for.
        is_old = np.asarray(self._is_old, dtype=bool)
        self._new_weights = np.where(is_old, 0.75, 1.0)
        self._old_weights = np.where(is_old, 1.25, 1.0)
        self._correct.cache_clear()

    def add_entries(self, entries: Iterable[Entry]) -> int:
        """Add entries (e.g. staff answers published as FAQ) and refresh the statistics;
        entries already indexed are skipped. Returns how many were new."""
        new = 0
        for entry in entries:
            if entry.id not in self._by_id:  # a retried update must not index it twice
                self._add(entry)
                new += 1
        if new:
            self._finish()  # also forgets the typo corrections: new words are no longer typos
        return new

    # --- querying --------------------------------------------------------------------------
    @lru_cache(maxsize=4096)  # noqa: B019 - one index lives for the whole process
    def _correct(self, word: str) -> tuple[str, bool]:
        """(word as meant, whether it is a guess): Telex and VNI leftovers are undone for sure;
        a dialect spelling ('sa' for 'xa') or one typo in a word long enough is a guess."""
        if word in self._vocab or word.isdigit():
            return word, False
        plain = unvni(untelex(word)) if not _VNI_ONLY.search(word) else unvni(word)
        if plain in self._vocab:
            return plain, False
        for variant in dialect_variants(plain):
            if variant in self._vocab:
                return variant, True
        if len(plain) < 4:
            return word, False
        close = [
            c
            for c in process.extract(
                plain, self._vocab_list, scorer=OSA.distance, score_cutoff=1, limit=20
            )
            if c[0] not in STOPWORDS  # 'xang' is not 'dang': an unknown word must stay unknown
        ]
        if not close:
            return word, False
        # Among equally close words, the most common one is the likeliest meant.
        return max(close, key=lambda c: (-c[1], self._df.get(c[0], 0)))[0], True

    def analyse(self, query: str) -> tuple[list[str], frozenset[str]]:
        """The query's search tokens, and those that are guesses (typos, dialect spellings)."""
        found: list[str] = []
        guessed: set[str] = set()
        for w, marked in typed_words(query):
            meant = (ABBREVIATIONS if marked else SPELLINGS).get(w)
            if meant:  # 'hdqt' is not a typo of some word in the vocabulary
                found.extend(meant.split())
                continue
            fixed, guess = self._correct(w)
            found.append(fixed)
            if guess:
                guessed.add(fixed)
        return rewrite_phrases(self._known_pairs(found)), frozenset(guessed)

    def _known_pairs(self, tokens: list[str]) -> list[str]:
        """'hợp tát' → 'hợp tác': a known word that makes with its neighbour a pair the
        knowledge base never has is spelled as the dialect would, when that makes a known pair
        (the pair decides, so 'tát' alone is left as it is). A word already in a known pair
        with its other neighbour stays: 'quản trị' of 'hđqt tối thiểu' is not 'quản chí'."""
        out = list(tokens)

        def paired(i: int, j: int) -> bool:
            return 0 <= i < j < len(out) and f"{out[i]}_{out[j]}" in self._term_ids

        for i in range(len(out) - 1):
            a, b = out[i], out[i + 1]
            if paired(i, i + 1):
                continue
            # A stopword is never respelled ('thế' of 'dải thể' stays; 'dải' becomes 'giải').
            keep_b = b in STOPWORDS or paired(i + 1, i + 2)
            for variant in dialect_variants(b) if not keep_b else ():
                if f"{a}_{variant}" in self._term_ids:
                    out[i + 1] = variant
                    break
            else:
                keep_a = a in STOPWORDS or paired(i - 1, i)
                for variant in dialect_variants(a) if not keep_a else ():
                    if f"{variant}_{b}" in self._term_ids:
                        out[i] = variant
                        break
        return out

    def query_tokens(self, query: str) -> list[str]:
        return self.analyse(query)[0]

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def lookup_article(self, source: str, article: int) -> Entry | None:
        return self._by_article.get((source, article))

    def _article_reference(self, folded: str) -> Entry | None:
        match = _ARTICLE_REF.search(folded)
        if not match:
            return None
        source = "luat-htx-2023"
        for pattern, doc in _DOC_HINTS:
            if pattern.search(folded):
                source = doc
                break
        return self.lookup_article(source, int(match.group(1)))

    def _bm25(self, query_terms: list[str]) -> NDArray[np.float64]:
        spans = []
        for term in set(query_terms):
            number = self._term_ids.get(term)
            if number is not None:
                spans.append(slice(self._offsets[number], self._offsets[number + 1]))
        if not spans:
            return np.zeros(len(self.entries), dtype=np.float64)
        # One bincount over the terms' postings side by side: each entry's sum is taken in the
        # same order as adding the terms one by one, at a fraction of the numpy calls.
        docs = np.concatenate([self._docs[s] for s in spans])
        contrib = np.concatenate([self._contrib[s] for s in spans])
        scores = np.bincount(docs, weights=contrib, minlength=len(self.entries))
        return scores.astype(np.float64, copy=False)  # already float64; numpy's stubs say int

    def _coverage(self, tokens: list[str], guessed: frozenset[str], entry_id: int) -> float:
        """Share of the query's topic words (IDF-weighted) that the entry contains; a word we
        only guessed through typo correction counts half."""
        content = [t for t in set(tokens) if t not in self.stopwords and not t.isdigit()]
        if not content:
            return 0.0
        entry_terms = self._entry_terms(entry_id)
        total = sum(self._idf.get(t, 3.0) for t in content)
        found = sum(
            self._idf.get(t, 3.0) * (0.5 if t in guessed else 1.0)
            for t in content
            if t in entry_terms
        )
        return found / total if total else 0.0

    @lru_cache(maxsize=8192)  # noqa: B019
    def _entry_terms(self, entry_id: int) -> frozenset[str]:
        return frozenset(t for toks in entry_fields(self.entries[entry_id]).values() for t in toks)

    def search(self, query: str, top: int = 3) -> Answer:
        """The best entries for a question, best first, and whether we are confident."""
        if self._english is not None and looks_english(query, self._vocab_frozen):
            found = self._english.search(query, top)
            # The English index holds copies: answer with the entries themselves.
            hits = tuple(Hit(self._by_id[h.entry.id], h.score) for h in found.hits)
            clarify = tuple(Hit(self._by_id[h.entry.id], h.score) for h in found.clarify)
            return dataclasses.replace(found, hits=hits, clarify=clarify, language="en")
        tokens, guessed = self.analyse(query)
        answer = self._rank(query, tokens, guessed, top)
        wants = topics.founding(tokens)
        if wants is None:
            return answer
        story = self._by_id.get(topics.FOUNDING_ANSWERS[wants])
        if len(query) < topics.LONG_MESSAGE or story is None:
            return dataclasses.replace(answer, founding=True)
        # A story of people who want to found one: how to, whatever words the story shares.
        rest = tuple(h for h in answer.hits if h.entry.id != story.id)[: top - 1]
        return Answer(query, True, (Hit(story, 1.0), *rest), founding=True)

    def _rank(self, query: str, tokens: list[str], guessed: frozenset[str], top: int) -> Answer:
        folded = fold(query)
        referenced = self._article_reference(" ".join(tokens) + " " + folded)
        if referenced is not None and len([t for t in tokens if t not in STOPWORDS]) <= 6:
            return Answer(query, True, (Hit(referenced, 1.0),), article_lookup=True)
        wanted = without_the_law_named(tokens)  # what is asked of the law named, if anything
        wanted = wanted if self.in_scope(wanted) else tokens  # else the law is the question
        bm25 = self._bm25(terms(wanted))
        best_bm25 = float(bm25.max()) if len(bm25) else 0.0
        if best_bm25 <= 0:
            return Answer(query, False, (), off_topic=self._off_topic(tokens))
        k = min(CANDIDATES, len(bm25))
        top_ids = np.argpartition(-bm25, k - 1)[:k]
        wants_old = bool(OLD_LAW_HINTS.search(folded))
        plain_query = " ".join(tokens)
        asked = topics.of_question(tokens)
        # The fuzzy match is most of a search's cost, so candidates are scored best bound first
        # and the rest skipped once none of them could reach the top `top` any more, even with
        # a perfect match: the same hits, in the same order, as scoring them all.
        top_ids = top_ids[bm25[top_ids] > 0]
        weights = (self._old_weights if wants_old else self._new_weights)[top_ids]
        lexicals = 0.6 * bm25[top_ids] / best_bm25
        bounds = (lexicals + 0.4) * weights
        columns = (bounds.tolist(), lexicals.tolist(), weights.tolist(), top_ids.tolist())
        bounded = sorted(zip(*columns, strict=True), reverse=True)
        ranked: list[tuple[float, int]] = []
        best: list[float] = []  # the `keep` best scores so far, a min-heap
        keep = max(top, 2)  # two at least: the second may compete with the first
        for bound, lexical, weight, doc_id in bounded:
            if len(best) >= keep and bound < best[0]:
                break
            similarity = process.extractOne(
                plain_query, self._fuzzy_texts[doc_id], scorer=fuzz.token_set_ratio
            )[1]
            fit = topics.weight(asked, self._topics[doc_id])
            score = (lexical + 0.4 * similarity / 100) * weight * fit
            ranked.append((score, doc_id))
            if len(best) < keep:
                heapq.heappush(best, score)
            else:
                heapq.heappushpop(best, score)
        ranked.sort(reverse=True)
        ranked = self._old_law_first(ranked) if wants_old else self._current_law_first(ranked)
        hits = tuple(Hit(self.entries[d], round(s, 4)) for s, d in ranked[:top])
        coverage = self._coverage(tokens, guessed, ranked[0][1])
        confident = self.sure_enough(tokens, coverage)
        # Asked back only when the entries do answer its words: not "đăng ký kết hôn".
        askable = coverage >= ASK_BACK_COVERAGE and not mentions(tokens, OTHER_ENTITIES)
        choices = self._competing(query, tokens, asked, ranked) if askable else ()
        if choices:
            return Answer(query, False, hits, clarify=choices)
        # Only an answer the bot is unsure of is ever shown as off-topic.
        return Answer(query, confident, hits, off_topic=not confident and self._off_topic(tokens))

    def _current_law_first(self, ranked: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """A question that does not name the 2012 law is answered with the rule in force: a 2012
        article that comes first gives way to the 2023 article that replaced it (its first
        citation of the 2023 law), and follows it."""
        score, doc_id = ranked[0]
        if not self._is_old[doc_id]:
            return ranked
        for c in self.entries[doc_id].citations:
            if c.source == "luat-htx-2023" and isinstance(c.article, int):
                new = self._by_article.get((c.source, c.article))
                if new is not None:
                    new_id = self._number[new.id]
                    rest = [(s, d) for s, d in ranked if d not in (doc_id, new_id)]
                    return [(score, new_id), (score, doc_id), *rest]
        return ranked

    def _old_law_first(self, ranked: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """A question that names the 2012 law gets its article first: a 2023 article that
        comes first gives way to the 2012 entry that says the 2023 one replaced it."""
        score, doc_id = ranked[0]
        entry = self.entries[doc_id]
        if self._is_old[doc_id] or entry.kind != "article" or entry.source != "luat-htx-2023":
            return ranked
        for _, other in ranked[1:]:
            replaced = self.entries[other].citations[1:]
            if self._is_old[other] and any(
                (c.source, c.article) == (entry.source, entry.article) for c in replaced
            ):
                rest = [(s, d) for s, d in ranked if d not in (doc_id, other)]
                return [(score, other), (score, doc_id), *rest]
        return ranked

    def _one_per_entity(self, query: str, tokens: list[str]) -> tuple[Hit, ...]:
        """For a question asked back, the best answer about each kind of organisation, as if
        the question had named it: the choices to offer, the co-op first."""
        choices: list[Hit] = []
        for name, phrases in topics.ENTITIES.items():
            named = self._rank(query, [*tokens, *phrases[0].split()], frozenset(), 4)
            about = [h for h in named.hits if self._about(h.entry, name)]
            if about:
                choices.append(about[0])
        return tuple(choices)

    def _about(self, entry: Entry, entity: str) -> bool:
        """An entry answers for this organisation: it names it, or names none (a co-op's)."""
        named = self._topics[self._number[entry.id]].entities
        return entity in named or (not named and entity == "hop tac xa")

    def _competing(
        self, query: str, tokens: list[str], asked: topics.Topics, ranked: list[tuple[float, int]]
    ) -> tuple[Hit, ...]:
        """The choices to ask back with, when the best answers differ in what the question does
        not say: which organisation ('rút khỏi thì sao', co-op or group; also when the best is
        about a group or a union only, as unnamed the organisation is likelier a co-op), or
        which body of the co-op (the co-op or its board)."""
        best_score, best = ranked[0]
        if topics.not_a_co_op(asked, self._topics[best]):
            return self._one_per_entity(query, tokens)
        for score, doc_id in ranked[1:]:
            if score < best_score * CLOSE:
                break
            differ = topics.competing(asked, self._topics[best], self._topics[doc_id])
            if differ == "entity":
                return self._one_per_entity(query, tokens)
            if differ == "body":
                first, other = self.entries[best], self.entries[doc_id]
                return (Hit(first, round(best_score, 4)), Hit(other, round(score, 4)))
        return ()

    def _off_topic(self, tokens: list[str]) -> bool:
        """Names no co-op concept, and has no two words side by side that an entry's title,
        example questions or keywords have: short co-op questions without a co-op term ("cần
        mấy người để thành lập", "muốn rút vốn thì làm sao") share such a pair, "giá lúa hôm
        nay bao nhiêu" or "thời tiết ngày mai" do not."""
        return not self.in_scope(tokens) and self._phrases.isdisjoint(_word_pairs(tokens))


_LAW_NAMED = re.compile(
    r"\b(?:theo |trong )?luat (?:(hop tac xa) )?(?:nam )?(?:2012|cu)(?: quy dinh)?\b"
)


def without_the_law_named(tokens: list[str]) -> list[str]:
    """'luật htx 2012 quy định htx phải có bao nhiêu thành viên' → 'hop tac xa htx phải có…':
    the words that choose the law say nothing of the topic ("quy định" matched the article
    on the law's scope); which law is weighed apart (OLD_LAW_HINTS)."""
    text = _LAW_NAMED.sub(lambda m: m.group(1) or "", " ".join(tokens))
    return text.split()


def _on_the_old_law(entry: Entry) -> bool:
    """An entry on the 2012 law: its article, one citing it first, or one that names it in its
    title ("Luật HTX 2012 còn hiệu lực không?", "… thành lập theo luật cũ …")."""
    return (
        entry.source == "luat-htx-2012"
        or bool(entry.citations and entry.citations[0].source == "luat-htx-2012")
        or any(name in entry.title.lower() for name in ("2012", "luật cũ"))
    )


def _word_pairs(tokens: list[str]) -> set[frozenset[str]]:
    """Adjacent words, in either order, unless both are stopwords ("bao nhiêu", "thế nào")."""
    return {
        frozenset(pair)
        for pair in itertools.pairwise(tokens)
        if not (pair[0] in STOPWORDS and pair[1] in STOPWORDS)
    }


def _only_a_topic(tokens: list[str]) -> bool:
    """'htx', 'luật hợp tác xã': a topic named, no question asked; any entry would be a guess,
    so the closest ones are offered instead of one answer."""
    rest = " " + " ".join(tokens) + " "
    for phrase in (*CORE_TERMS, "luat"):
        rest = rest.replace(f" {phrase} ", " ")
    return not rest.strip()


class EnglishIndex(QAIndex):
    """The entries' English titles, summaries and example questions, for English questions."""

    language = "en"
    stopwords = english.STOPWORDS

    def in_scope(self, tokens: list[str]) -> bool:
        return english.in_scope(tokens)

    def sure_enough(self, tokens: list[str], coverage: float) -> bool:
        return self.in_scope(tokens) and coverage >= self.min_confidence
