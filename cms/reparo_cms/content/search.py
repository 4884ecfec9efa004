"""Chinese-aware text for Wagtail's database search backend.

Neither Wagtail's database backend nor PostgreSQL's ``simple`` configuration splits Chinese into
words: a run of Han characters is one token, so a two-character query never matches inside it.
We therefore store, beside the original text, jieba's search-mode words plus every single
character and every pair of adjacent characters of each Han run, separated by spaces; a query's
Han runs become their character pairs, all of which must be present. Latin words pass unchanged.
"""

import re
from collections.abc import Iterable
from functools import lru_cache

import jieba

HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"\w+")

jieba.setLogLevel("WARNING")


def _pairs(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_text(parts: Iterable[str]) -> str:
    """The text to hand the search index for ``parts`` (title, digest, body text, ...)."""
    return _index_text(" ".join(part for part in parts if part))


# One save of a page asks for its index text several times (one per indexed field type), and
# publishing saves a page up to three times with the same text; word cutting is the costly part.
@lru_cache(maxsize=256)
def _index_text(text: str) -> str:
    tokens: list[str] = [word for word in jieba.cut_for_search(text) if WORD.fullmatch(word)]
    for run in HAN_RUN.findall(text):
        tokens.extend(run)
        tokens.extend(_pairs(run))
    return " ".join(tokens)


def query_text(query: str) -> str:
    """Rewrite a customer's query into terms ``index_text`` produced; search with ``and``."""
    terms: list[str] = []
    for word in WORD.findall(query):
        if not HAN_RUN.search(word):
            terms.append(word)
            continue
        for piece in re.split(HAN_RUN, word):
            if piece:
                terms.append(piece)
        for run in HAN_RUN.findall(word):
            terms.extend(_pairs(run))
    return " ".join(dict.fromkeys(terms))
