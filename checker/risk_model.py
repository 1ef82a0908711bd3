"""A learned second reader: a risk probability for drafts the rule lexicons pass but that resemble risky ones.

The model is TF-IDF word 1-2-grams and char_wb 2-4-grams into a balanced logistic regression on features
weighted by their naive-Bayes log-count ratios (NB-LR, see `NaiveBayesLogisticRegression`), calibrated with
sigmoid (Platt) scaling. Train it with ``python manage.py train_checker``; the artefact ships in
``checker/artifacts/`` and is loaded once per process by :func:`load_risk_model`.

Bump MODEL_VERSION whenever the features, the normalisation or the hashing below change: an artefact stores
references to this module's functions and classes, so old artefacts must not be read by new code.
"""

from __future__ import annotations

import csv
import functools
import gc
import hashlib
import io
import json
import os
import re
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_curve, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from checker.languages import SUPPORTED
from checker.report import CATEGORIES as FINDING_CATEGORIES

MODEL_VERSION = 2
APP_DIR = Path(__file__).resolve().parent
ARTIFACT_DIR = APP_DIR / "artifacts"
DEFAULT_CORPUS = APP_DIR / "corpus" / "train.csv"
TRAIN_COMMAND = "python manage.py train_checker"

RISKY, OK = "risky", "ok"
NO_CATEGORY = "none"
CATEGORIES = frozenset(FINDING_CATEGORIES)
CORPUS_HEADER = ("text", "label", "category", "lang")

CV_FOLDS = 5
RANDOM_STATE = 0
# A flag from this model sends a draft to a second person, so its threshold spends a false-alarm budget: at
# most this share of ordinary drafts flagged in cross-validation (see choose_threshold).
MAX_FLAGGED_OK = 0.10
# The other operating point reported: the highest threshold that still catches this share of risky drafts.
HIGH_RECALL = 0.9
# 5-fold CV on 21,394 rows: plain logistic regression reaches AUC 0.959 (C=8); on NB-weighted features 0.970 at
# smoothing 0.1 and C=16 (0.969 at 0.05, 0.967 at 0.5, 0.963 at 1; 0.970 at C=4, 0.969 at C=64).
C = 16.0
NB_SMOOTHING = 0.1
CATEGORY_C = 8.0  # the category classifier's own: a plain multinomial regression on the unweighted features
WORD_NGRAMS = (1, 2)
WORD_MIN_DF = 1
CHAR_NGRAMS = (2, 4)
CHAR_MIN_DF = 2
MIN_ROWS_PER_LABEL = 10
# A run-together tag's second reading (#therapistfinder) is invisible to word and character n-grams: the
# misreading rule segments tags. Trained on those drafts, the model only learns that hashtags are risky.
RULE_ONLY_CATEGORIES = frozenset({"misreading"})
# A model flag names one likely category only when it is this many times likelier than the next one.
CATEGORY_MARGIN = 2.0
MIN_ROWS_FOR_OWN_THRESHOLD = 20  # of each label, for a language to get its own threshold


class RiskModelError(RuntimeError):
    """The shipped risk model cannot be used as it is: the message says what to do."""


class CorpusError(ValueError):
    """The training corpus has rows we refuse to learn from; each problem names its line."""

    def __init__(self, path: Path, problems: list[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path} line {line}: {reason}" if line else f"{path}: {reason}" for line, reason in problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class CorpusRow:
    line: int
    text: str
    label: str
    category: str
    lang: str


def read_corpus(path: Path) -> list[CorpusRow]:
    """Parse and validate the corpus; any bad row rejects the whole file, since a mislabelled row skews the model."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CorpusError(path, [(line, "not valid UTF-8")]) from None
    reader = csv.reader(io.StringIO(content, newline=""))
    problems: list[tuple[int, str]] = []
    rows: list[CorpusRow] = []
    first_line_of: dict[str, int] = {}
    try:
        header = next(reader, None)
        if header is None or tuple(cell.strip() for cell in header) != CORPUS_HEADER:
            raise CorpusError(path, [(1, f"header must be {','.join(CORPUS_HEADER)}, got {','.join(header or [])}")])
        end_of_previous = reader.line_num
        for record in reader:
            line = end_of_previous + 1
            end_of_previous = reader.line_num
            if not record:
                continue
            problem = _row_problem(record, first_line_of)
            if problem:
                problems.append((line, problem))
                continue
            text, label, category, lang = (cell.strip() for cell in record)
            first_line_of[text] = line
            rows.append(CorpusRow(line=line, text=text, label=label, category=category, lang=lang))
    except csv.Error as error:
        problems.append((reader.line_num, f"unreadable CSV: {error}"))
    if problems:
        raise CorpusError(path, problems)
    for label in (RISKY, OK):
        count = sum(row.label == label for row in rows)
        if count < MIN_ROWS_PER_LABEL:
            problem = f"only {count} {label!r} rows: cross-validation needs {MIN_ROWS_PER_LABEL}"
            raise CorpusError(path, [(None, problem)])
    return rows


def _row_problem(record: list[str], first_line_of: dict[str, int]) -> str | None:
    if len(record) != len(CORPUS_HEADER):
        return f"expected {len(CORPUS_HEADER)} fields ({','.join(CORPUS_HEADER)}), got {len(record)}"
    text, label, category, lang = (cell.strip() for cell in record)
    if not text:
        return "empty text"
    if label not in (RISKY, OK):
        return f"label {label!r} is not {RISKY!r} or {OK!r}"
    if label == RISKY and category not in CATEGORIES:
        return f"category {category!r} of a risky row is not one of: {', '.join(sorted(CATEGORIES))}"
    if label == OK and category != NO_CATEGORY:
        return f"category of an ok row must be {NO_CATEGORY!r}, got {category!r}"
    if lang not in SUPPORTED:
        return f"lang {lang!r} is not a supported language ({', '.join(SUPPORTED)})"
    if text in first_line_of:
        return f"duplicate of line {first_line_of[text]} (a repeated draft would sit in both sides of a CV split)"
    return None


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# Invisible format and control characters that split words without showing: zero-width, bidi, soft hyphen, BOM.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)


def normalise_text(text: str) -> str:
    """NFKC, casefold, invisible characters dropped and whitespace collapsed: full-width `ＫＩ`, a zero-width space
    and `LL` read as `kill`. The checker's own normaliser may run first; this one keeps training and scoring alike."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    elif _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return " ".join(text.casefold().split())


def normalise_texts(texts: Sequence[str]) -> list[str]:
    return [normalise_text(text) for text in texts]


def _gather(values: np.ndarray, indexes: np.ndarray) -> np.ndarray:
    """values[min(index, len(values) - 1)] for each index: take in clip mode, which skips the bounds check that
    makes values[indexes] slower. Lookup tables rely on the clip (a code point past a table's end reads its last
    entry); the other callers pass indexes in range."""
    return values.take(indexes, mode="clip")


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


_EVERY_CODE_POINT = 0x110000
_SEVERAL = np.uint32(0xFFFFFFFF)  # what _folding maps a character to when casefold makes it several


@functools.cache
def _normalising_tables() -> tuple[np.ndarray, np.ndarray]:
    """`_invisible_characters` and `_folding`, read off one string of every code point (decoding it costs about
    as much as either table)."""
    everything = _decoded(np.arange(_EVERY_CODE_POINT, dtype=np.uint32))
    return _invisible_characters(everything), _folding(everything)


def _invisible_characters(everything: str) -> np.ndarray:
    """Which code points _INVISIBLE matches, up to one past the last; NUL aside, as it joins a batch's drafts."""
    found = [match.start() for match in _INVISIBLE.finditer(everything)]
    table = np.zeros(max(found) + 2, dtype=bool)
    table[found] = True
    table[0] = False
    return table


def _folding(everything: str) -> np.ndarray:
    """What casefold then split-and-join make of each code point, as an amount added to it (modulo 2**32), up to
    one past the last it changes: a letter's case folding, a space for any whitespace, _SEVERAL for the hundred
    letters casefold turns into more than one (`ß`: `ss`)."""
    targets: dict[int, int] = {match.start(): 32 for match in re.finditer(r"\s", everything)}
    # casefold works one character at a time: only blocks it changes need looking at character by character.
    for block in range(0, _EVERY_CODE_POINT, 256):
        characters = everything[block : block + 256]
        if characters.casefold() != characters:
            for code, character in enumerate(characters, start=block):
                folded = character.casefold()
                if folded != character:
                    targets[code] = ord(folded) if len(folded) == 1 else int(_SEVERAL)
    table = np.zeros(max(targets) + 2, dtype=np.uint32)
    codes = np.fromiter(targets, dtype=np.uint32, count=len(targets))
    table[codes] = np.fromiter(targets.values(), dtype=np.uint32, count=len(targets)) - codes
    return table


def _decoded(codes: np.ndarray) -> str:
    return codes.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")


@dataclass(frozen=True)
class _Documents:
    """A batch of normalised drafts as both analyzers read them: the code points of each draft padded with a space
    either side (char_wb's padding; words ignore it), an empty draft left empty, the drafts joined by NUL."""

    codes: np.ndarray
    separators_before: np.ndarray  # how many NULs precede each position (its draft's index), one more at the end
    count: int

    @classmethod
    def of_normalised(cls, documents: Sequence[str]) -> _Documents:
        padded = "\0".join(f" {document} " if document else "" for document in documents)
        return cls._of_codes(_code_points(padded), len(documents))

    @classmethod
    def of_texts(cls, texts: Sequence[str]) -> _Documents:
        """`of_normalised(normalise_texts(texts))`, code for code, in under half the time: a few calls over the
        joined batch instead of five string calls a draft.

        Each step of normalise_text works one character at a time, or (NFKC, the whitespace collapse) on runs
        that a NUL ends, as NUL combines with nothing; NFKC, which normalise_text skips for ASCII, leaves ASCII
        alone. So the drafts go through the steps joined: numpy drops the invisible characters and casefolds and
        collapses whitespace by table (_folding), NFKC stays one string call. A batch with a NUL in a draft takes
        the string path.
        """
        if not len(texts):
            return cls.of_normalised(texts)
        joined = " " + " \0 ".join(texts) + " "
        if joined.count("\0") != len(texts) - 1:
            return cls.of_normalised(normalise_texts(texts))
        codes = _code_points(joined)
        invisible_table, folding_table = _normalising_tables()
        invisible = _gather(invisible_table, codes)
        if invisible.any():
            codes = codes[~invisible]
            joined = _decoded(codes)
        composed = unicodedata.normalize("NFKC", joined)
        if composed is not joined:
            codes = _code_points(composed)
        folded = codes + _gather(folding_table, codes)
        if folded.max() == _SEVERAL:
            # A letter casefold makes several of (`ß`): str.casefold takes the batch. Case folding is idempotent,
            # so the table then only turns whitespace into spaces.
            codes = _code_points(composed.casefold())
            folded = codes + _gather(folding_table, codes)
        codes = folded
        # One space for each run of whitespace, the padding included; a draft left with its one space is empty.
        space = codes == 32
        repeated = space[1:] & space[:-1]
        if repeated.any():
            codes = codes[np.concatenate(([True], ~repeated))]
        bounds = np.concatenate(([-1], np.flatnonzero(codes == 0), [len(codes)]))
        lone = bounds[1:] - bounds[:-1] == 2
        if lone.any():
            codes = np.delete(codes, bounds[:-1][lone] + 1)
        return cls._of_codes(codes, len(texts))

    @classmethod
    def _of_codes(cls, codes: np.ndarray, count: int) -> _Documents:
        separators_before = np.zeros(len(codes) + 1, dtype=np.int32)
        np.cumsum(codes == 0, out=separators_before[1:])
        return cls(codes, separators_before, count)


# 64-bit polynomial hashing of n-grams. P is odd, so it has an inverse modulo 2**64, which makes the hash of any
# substring a difference of prefix sums: every n-gram of a whole batch is hashed by a few numpy array operations.
_P = np.uint64(0x100000001B3)
_P_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))
_WORD_TABLE_SIZE = 0x32400  # every assigned letter and digit; rarer code points count as non-word


def _mix(x: np.ndarray) -> np.ndarray:
    """Spread the polynomial hash over all 64 bits (splitmix64 finaliser) so the index buckets are evenly used.

    Works in place on x, which callers pass freshly computed: one scratch array instead of eight new ones."""
    shifted = x >> _SHIFTS[0]
    x ^= shifted
    x *= _MIX1
    np.right_shift(x, _SHIFTS[1], out=shifted)
    x ^= shifted
    x *= _MIX2
    np.right_shift(x, _SHIFTS[2], out=shifted)
    x ^= shifted
    return x


@functools.cache
def _word_characters() -> np.ndarray:
    """Which code points `re`'s `\\w` matches, the token rule of scikit-learn's default token_pattern."""
    everything = "".join(map(chr, range(_WORD_TABLE_SIZE)))
    marked = re.sub(r"\W", "\0", everything).encode("utf-32-le", "surrogatepass")
    table = np.frombuffer(marked, dtype="<u4") != 0
    table[-1] = False
    return table


_POWERS = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint64))


def _power_tables(length: int) -> tuple[np.ndarray, np.ndarray]:
    """P**(i+1) and P**-(i+1) for i < length, computed once and grown by doubling: batches are similar in size."""
    global _POWERS
    powers, inverse = _POWERS
    if len(powers) < length:
        size = max(length, 2 * len(powers))
        with np.errstate(over="ignore"):
            powers = np.cumprod(np.full(size, _P, dtype=np.uint64))
            inverse = np.cumprod(np.full(size, _P_INV, dtype=np.uint64))
        _POWERS = (powers, inverse)
    return powers[:length], inverse[:length]


class _Batch:
    """Code points of a batch of documents joined by NUL, with prefix sums for O(1) substring hashes."""

    def __init__(self, documents: _Documents) -> None:
        self.codes = codes = documents.codes
        self.separators_before = documents.separators_before
        length = len(codes)
        self.powers, inverse_powers = _power_tables(length + 1)
        with np.errstate(over="ignore"):
            self.prefix = np.zeros(length + 1, dtype=np.uint64)
            np.cumsum(codes.astype(np.uint64) * inverse_powers[:length], out=self.prefix[1:])

    def hashes(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Position-independent hash of codes[start:end] for each pair."""
        with np.errstate(over="ignore"):
            return (_gather(self.prefix, ends) - _gather(self.prefix, starts)) * _gather(self.powers, starts)


def _char_wb_grams(documents: _Documents, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """(document index, hash) of each char n-gram inside a space-padded word, as scikit-learn's char_wb."""
    codes, separators_before = documents.codes, documents.separators_before
    length = len(codes)
    spaces_before = np.zeros(length + 1, dtype=np.int32)
    np.cumsum(codes == 32, out=spaces_before[1:])
    # _Batch.hashes(start, start + n) is the sum of codes[start + k] * P**-k over k < n. For a few short lengths,
    # adding one shifted copy of the codes per length gives it at every start, cheaper than prefix sums and gathers.
    wide = codes.astype(np.uint64)
    hashes, factor = wide, np.uint64(1)
    found_docs, found_hashes = [], []
    for n in range(1, high + 1):
        count = length - n + 1
        if count <= 0:
            break
        if n > 1:
            with np.errstate(over="ignore"):
                factor = factor * _P_INV
                hashes = hashes[:-1] + wide[n - 1 :] * factor
        if n < low:
            continue
        keep = separators_before[n:] == separators_before[:count]
        if n > 2:
            keep &= spaces_before[n - 1 : n - 1 + count] == spaces_before[1 : 1 + count]
        starts = np.flatnonzero(keep)
        with np.errstate(over="ignore"):
            found_hashes.append(_mix(_gather(hashes, starts) + np.uint64(n) * _MIX2))
        found_docs.append(_gather(separators_before, starts))
    if not found_docs:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint64)
    return np.concatenate(found_docs), np.concatenate(found_hashes)


def _word_grams(documents: _Documents, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """(document index, hash) of each word n-gram; words are runs of 2+ `\\w` characters, as scikit-learn's."""
    batch = _Batch(documents)
    is_word = _gather(_word_characters(), batch.codes)
    edges = np.diff(np.concatenate(([False], is_word, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    long_enough = ends - starts >= 2
    starts, ends = starts[long_enough], ends[long_enough]
    with np.errstate(over="ignore"):
        tokens = _mix(batch.hashes(starts, ends) + (ends - starts).astype(np.uint64) * _MIX1)
    token_docs = _gather(batch.separators_before, starts)
    found_docs, found_hashes = [], []
    for n in range(low, high + 1):
        count = len(tokens) - n + 1
        if count <= 0:
            break
        combined = tokens[:count].copy()
        with np.errstate(over="ignore"):
            for offset in range(1, n):
                combined = combined * _P + tokens[offset : offset + count]
            combined = _mix(combined + np.uint64(n) * _MIX2) if n > 1 else combined
        same_doc = token_docs[:count] == token_docs[n - 1 : n - 1 + count]
        found_docs.append(token_docs[:count][same_doc])
        found_hashes.append(combined[same_doc])
    if not found_docs:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint64)
    return np.concatenate(found_docs), np.concatenate(found_hashes)


_ANALYZERS = {"word": _word_grams, "char_wb": _char_wb_grams}
# HashedTfidfVectorizer's lookup index, rebuilt from hashes_ on load rather than pickled.
_DERIVED_STATE = frozenset({"bucket_shift_", "bucket_starts_", "stepping_hashes_"})
# The open-addressing slot table that artefacts pickled before the index carry; the index replaces it.
_SLOT_TABLE_STATE = frozenset({"mask_", "slot_columns_", "slot_hashes_", "max_probe_"})


class HashedTfidfVectorizer(TransformerMixin, BaseEstimator):
    """TF-IDF over word or char_wb n-grams, numerically the same as scikit-learn's TfidfVectorizer
    (lowercase=False, smooth idf, l2 norm) on normalise_text output, but about ten times faster.

    TfidfVectorizer builds each n-gram as a Python string and looks it up in a dict one at a time, which caps
    scoring near 5,000 drafts/s here. This one hashes every n-gram of a batch with numpy array operations and
    finds its column through an index over the vocabulary's sorted 64-bit hashes. It can differ from
    TfidfVectorizer only where two n-grams share a 64-bit hash, or a word holds a letter beyond U+323FF.
    """

    def __init__(
        self,
        analyzer: str = "char_wb",
        ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 1,
        sublinear_tf: bool = True,
        batch_size: int = 1024,
    ) -> None:
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.batch_size = batch_size

    def _grams(self, documents: _Documents) -> tuple[np.ndarray, np.ndarray]:
        return _ANALYZERS[self.analyzer](documents, *self.ngram_range)

    def fit(self, documents: Sequence[str], y: Any = None) -> HashedTfidfVectorizer:
        if self.analyzer == "char_wb" and self.ngram_range[0] < 2:
            raise ValueError("char_wb n-grams start at 2: single characters would count the padding spaces")
        documents = list(documents)
        doc_ids, hashes = self._grams(_Documents.of_normalised(documents))
        order = np.lexsort((doc_ids, hashes))
        hashes, doc_ids = hashes[order], doc_ids[order]
        new_hash = np.ones(len(hashes), dtype=bool)
        new_hash[1:] = hashes[1:] != hashes[:-1]
        new_pair = new_hash.copy()
        new_pair[1:] |= doc_ids[1:] != doc_ids[:-1]
        group = np.cumsum(new_hash) - 1
        unique = hashes[new_hash]
        document_frequency = np.bincount(group, weights=new_pair).astype(np.int64)
        keep = document_frequency >= self.min_df
        unique, document_frequency = unique[keep], document_frequency[keep]
        self._build_table(unique)
        n_documents = len(documents)
        self.idf_ = (np.log((1 + n_documents) / (1 + document_frequency)) + 1).astype(np.float32)
        return self

    def _build_table(self, vocabulary: np.ndarray) -> None:
        """Index the vocabulary's hashes, which fit sorts ascending, so that a hash's column is its rank.

        bucket_starts_[b] is the rank of the first hash whose top bits are b: a lookup starts there and steps on
        while the hash it reaches is smaller. With two to four buckets per hash, nine lookups in ten settle on
        the first step. A lookup's cost is its cache misses, and the index with the hashes takes 2.5-5 MB for the
        shipped vocabularies, against 12-24 MB for the open-addressing slot table it replaces.
        """
        if np.any(vocabulary[1:] <= vocabulary[:-1]):
            raise ValueError("the vocabulary's hashes must be distinct and in ascending order")
        bits = max(10, (2 * max(len(vocabulary), 1)).bit_length())
        self.hashes_ = vocabulary
        self.bucket_shift_ = np.uint64(64 - bits)
        bucket_floors = np.arange(1 << bits, dtype=np.uint64) << self.bucket_shift_
        self.bucket_starts_ = np.searchsorted(vocabulary, bucket_floors).astype(np.intp)
        # The largest hash stops every step past the last n-gram; `_columns` tells it from a real n-gram.
        self.stepping_hashes_ = np.append(vocabulary, np.uint64(2**64 - 1))

    def __getstate__(self) -> dict[str, Any]:
        """Leave the index out of the pickle: it is rebuilt from hashes_ on load in a few milliseconds."""
        state = super().__getstate__()
        return {name: value for name, value in state.items() if name not in _DERIVED_STATE}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild the index, dropping the slot table that older artefacts (before this index) still carry."""
        super().__setstate__({name: value for name, value in state.items() if name not in _SLOT_TABLE_STATE})
        if hasattr(self, "hashes_"):
            self._build_table(self.hashes_)

    def _columns(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vocabulary column of each hash, and whether the n-gram is in the vocabulary at all."""
        columns = _gather(self.bucket_starts_, (hashes >> self.bucket_shift_).view(np.int64))
        found = _gather(self.stepping_hashes_, columns)
        # Step the few that start before their hash's rank on, one rank at a time, until they reach or pass it.
        behind = np.flatnonzero(found < hashes)
        while len(behind):
            columns[behind] += 1
            ahead = _gather(self.stepping_hashes_, columns[behind])
            found[behind] = ahead
            behind = behind[ahead < hashes[behind]]
        known = found == hashes
        known &= columns < len(self.hashes_)
        return columns, known

    def transform(self, documents: Sequence[str]) -> sp.csr_matrix:
        documents = list(documents)
        parts = [
            self._transform_batch(documents[start : start + self.batch_size])
            for start in range(0, len(documents), self.batch_size)
        ]
        if not parts:
            return sp.csr_matrix((0, len(self.hashes_)), dtype=np.float32)
        return parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")

    def _transform_batch(self, documents: list[str]) -> sp.csr_matrix:
        doc_ids, hashes = self._grams(_Documents.of_normalised(documents))
        columns, known = self._columns(hashes)
        counts = sp.csr_matrix(
            (np.ones(int(known.sum()), dtype=np.float32), (doc_ids[known], columns[known])),
            shape=(len(documents), len(self.hashes_)),
        )
        counts.sum_duplicates()
        if self.sublinear_tf:
            np.log(counts.data, out=counts.data)
            counts.data += 1
        counts.data *= self.idf_[counts.indices]
        rows = np.repeat(np.arange(len(documents)), np.diff(counts.indptr))
        lengths = np.sqrt(np.bincount(rows, weights=counts.data.astype(np.float64) ** 2, minlength=len(documents)))
        counts.data /= lengths[rows].astype(np.float32)
        return counts

    def weighted_sums(self, documents: Sequence[str], weights: np.ndarray) -> np.ndarray:
        """`transform(documents) @ weights.T` for a few weight rows, without building the sparse matrix.

        Building it costs more than hashing the n-grams. Scoring needs only each draft's dot products with the
        rows of `weights` (shape: rows x vocabulary), which `_TfidfRows.weighted_sums` folds in directly.
        """
        return _TfidfRows.weighted_sums_of(self.tfidf_rows(documents), weights)

    def tfidf_rows(self, documents: Sequence[str]) -> Iterator[_TfidfRows]:
        """The drafts' TF-IDF rows before the l2 norm, one `_TfidfRows` for each batch of batch_size drafts."""
        documents = list(documents)
        for start in range(0, len(documents), self.batch_size):
            yield self.tfidf_rows_of(_Documents.of_normalised(documents[start : start + self.batch_size]))

    def tfidf_rows_of(self, documents: _Documents) -> _TfidfRows:
        """One batch's TF-IDF rows before the l2 norm."""
        doc_ids, hashes = self._grams(documents)
        columns, known = self._columns(hashes)
        # (draft, column) packed in one integer, so one sort groups each draft's repeats of a column; in 32 bits
        # when both fit, which sorts twice as fast and in the same order.
        shift = len(self.hashes_).bit_length()
        key_type = np.int32 if documents.count << shift < 2**31 else np.int64
        keys = np.left_shift(doc_ids, shift, dtype=key_type)
        keys |= columns.astype(key_type, copy=False)
        keys = keys[known]
        keys.sort()
        first = np.empty(len(keys), dtype=bool)
        first[:1] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        firsts = np.flatnonzero(first)
        distinct = _gather(keys, firsts)
        # In 32 bits, whatever the key type: half the memory an Assessment keeps.
        columns = (distinct & key_type((1 << shift) - 1)).astype(np.int32, copy=False)
        values = _gather(self.idf_, columns)
        counts = np.append(firsts[1:], len(keys)) - firsts
        if self.sublinear_tf:
            # Most n-grams occur once in a draft, and 1 + log(1) is exactly 1: only repeats need the multiplication.
            repeated = np.flatnonzero(counts > 1)
            values[repeated] *= np.log(counts[repeated].astype(np.float32)) + 1
        else:
            values *= counts.astype(np.float32)
        draft_floors = np.arange(documents.count + 1, dtype=key_type) << key_type(shift)
        return _TfidfRows(columns, values, np.searchsorted(distinct, draft_floors))


@dataclass(frozen=True)
class _TfidfRows:
    """Some drafts' TF-IDF rows before the l2 norm, flat: draft i's entries, in column order, are
    columns[starts[i]:starts[i + 1]] and values[starts[i]:starts[i + 1]]."""

    columns: np.ndarray
    values: np.ndarray
    starts: np.ndarray

    @staticmethod
    def weighted_sums_of(batches: Iterable[_TfidfRows], weights: np.ndarray, *, by_column: bool = False) -> np.ndarray:
        outputs = weights.shape[1] if by_column else len(weights)
        return np.vstack(
            [rows.weighted_sums(weights, by_column=by_column) for rows in batches] or [np.zeros((0, outputs))]
        )

    def weighted_sums(self, weights: np.ndarray, *, by_column: bool = False) -> np.ndarray:
        """Each draft's l2-normalised row times `weights.T`: one row of sums per draft.

        `by_column`: `weights` is laid out vocabulary x rows instead, for many rows (the category classifier's
        thirteen): each entry's weights are then one short run of memory rather than one read in each of
        thirteen rows, about five times quicker. The sums are added in another order, so the last bits differ.
        """
        # Each draft's entries are one slice: sum the slices (reduceat). A zero entry at the end lets a slice start
        # there, and drafts without a known n-gram get zero (reduceat would hand them the entry at their start).
        firsts = self.starts[:-1]
        empty = firsts == self.starts[1:]
        values = np.append(self.values, np.float32(0))
        lengths = np.sqrt(np.add.reduceat(values * values, firsts))
        lengths[empty | (lengths == 0)] = 1
        if by_column:
            contributions = np.empty((len(values), weights.shape[1]), dtype=weights.dtype)
            contributions[-1] = 0
            weights.take(self.columns, axis=0, out=contributions[:-1], mode="clip")
            contributions *= values[:, None]
            sums = np.add.reduceat(contributions, firsts, axis=0)
            sums[empty] = 0
            return sums / lengths[:, None]
        # Gathered straight into place (np.append would copy the gathered weights once more). mode="clip": every
        # column is in range, and the default mode gathers into a buffer first and copies that over.
        contributions = np.empty((len(weights), len(values)), dtype=weights.dtype)
        contributions[:, -1] = 0
        np.take(weights, self.columns, axis=1, out=contributions[:, :-1], mode="clip")
        contributions *= values
        sums = np.add.reduceat(contributions, firsts, axis=1)
        sums[:, empty] = 0
        return (sums / lengths).T

    @staticmethod
    def gather(batches: Sequence[_TfidfRows], batch_size: int, indexes: Sequence[int]) -> _TfidfRows:
        """The rows of drafts `indexes` (counted across `batches` of batch_size drafts each), in that order."""
        batch_of, local = np.divmod(np.asarray(indexes, dtype=np.intp), batch_size)
        starts = np.zeros(len(local), dtype=np.intp)
        sizes = np.zeros(len(local), dtype=np.intp)
        for number, rows in enumerate(batches):
            mine = batch_of == number
            starts[mine] = rows.starts[local[mine]]
            sizes[mine] = rows.starts[local[mine] + 1] - starts[mine]
        new_starts = np.concatenate(([0], np.cumsum(sizes)))
        columns = np.empty(new_starts[-1], dtype=np.int32)
        values = np.empty(new_starts[-1], dtype=np.float32)
        for number, rows in enumerate(batches):
            mine = np.flatnonzero(batch_of == number)
            if len(mine):
                source = _ranges(starts[mine], sizes[mine])
                target = _ranges(new_starts[mine], sizes[mine])
                columns[target] = rows.columns[source]
                values[target] = rows.values[source]
        return _TfidfRows(columns, values, new_starts)


def _ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The concatenation of range(start, start + size) for each pair, without a Python loop."""
    ends = np.cumsum(sizes)
    return np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - (ends - sizes), sizes)


class NaiveBayesLogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression on features scaled by how much likelier each is in risky drafts than in ordinary ones.

    The scaling is the log-count ratio of naive Bayes (Wang and Manning's NBSVM, 2012): an n-gram seen mostly in
    one class starts out loud, one seen in both starts out quiet, and the regression only adjusts. On short texts
    this ranks better than either model alone. The fitted `coef_` already includes the scaling, so the model
    scores the plain TF-IDF features like any linear model: decision = x . coef_ + intercept_.
    """

    def __init__(
        self,
        C: float = 1.0,
        smoothing: float = NB_SMOOTHING,
        class_weight: str | None = None,
        max_iter: int = 5000,
        random_state: int | None = None,
    ) -> None:
        self.C = C
        self.smoothing = smoothing
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(
        self, X: sp.spmatrix, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> NaiveBayesLogisticRegression:
        y = np.asarray(y)
        classes = np.unique(y)
        if len(classes) != 2:
            raise ValueError(f"NaiveBayesLogisticRegression is binary: got classes {classes.tolist()}")
        X = sp.csr_matrix(X)
        weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        positive, negative = (X.T @ (weights * (y == label)) + self.smoothing for label in classes[::-1])
        # In the features' own precision: kept only to explain the model, and half the artefact's bytes in float64.
        ratios = np.log(positive / positive.sum()) - np.log(negative / negative.sum())
        self.log_count_ratios_ = ratios.astype(X.dtype, copy=False)
        regression = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=self.max_iter, random_state=self.random_state
        ).fit(X @ sp.diags(self.log_count_ratios_), y, sample_weight=sample_weight)
        self.classes_ = regression.classes_
        self.coef_ = regression.coef_ * self.log_count_ratios_
        self.intercept_ = regression.intercept_
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X: sp.spmatrix) -> np.ndarray:
        return np.asarray(X @ self.coef_[0]).ravel() + self.intercept_[0]

    def predict(self, X: sp.spmatrix) -> np.ndarray:
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def build_pipeline(*, calibration: str = "sigmoid", c: float = C) -> Pipeline:
    """Fresh, unfitted pipeline: normalise -> word + char TF-IDF -> calibrated balanced NB-weighted regression."""
    features = FeatureUnion(
        [
            ("word", HashedTfidfVectorizer("word", WORD_NGRAMS, min_df=WORD_MIN_DF)),
            ("char", HashedTfidfVectorizer("char_wb", CHAR_NGRAMS, min_df=CHAR_MIN_DF)),
        ]
    )
    classifier = NaiveBayesLogisticRegression(
        C=c, smoothing=NB_SMOOTHING, class_weight="balanced", max_iter=5000, random_state=RANDOM_STATE
    )
    folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=RANDOM_STATE)
    return Pipeline(
        [
            ("normalise", FunctionTransformer(normalise_texts)),
            ("features", features),
            # One regression fitted on every row, calibrated on out-of-fold scores: as good as the five-member
            # ensemble in cross-validation, and one weight vector to score with instead of five.
            ("classifier", CalibratedClassifierCV(classifier, method=calibration, cv=folds, ensemble=False)),
        ]
    )


class RiskModel:
    """A fitted pipeline plus the probabilities at or above which a draft should go to a reviewer.

    `threshold` holds for every language; `threshold_for(lang)` is the one chosen on that language's own
    drafts where the corpus had enough of them: languages with little training data score closer to the
    middle, so the overall threshold would flag two or three times as many of their ordinary drafts.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        threshold: float,
        language_thresholds: dict[str, float] | None = None,
        metadata: dict[str, Any] | None = None,
        category_classifier: LogisticRegression | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.category_classifier = category_classifier
        self.threshold = threshold
        self.language_thresholds = dict(language_thresholds or {})
        self.metadata = metadata or {}
        self._scorer = _LinearScorer.from_pipeline(pipeline)
        self._categories = None
        if category_classifier is not None:
            self._categories = _CategoryScorer.from_classifier(pipeline, category_classifier)

    def threshold_for(self, lang: str | None) -> float:
        """The review threshold for a draft in `lang`; the overall one where the corpus had too few such drafts."""
        return self.language_thresholds.get(lang or "", self.threshold)

    def score(self, texts: Sequence[str]) -> list[float]:
        """Probability that each draft is risky, in order. Batch them: a call costs ~0.5 ms plus ~10 µs a draft."""
        if isinstance(texts, str):
            raise TypeError("score() takes a sequence of drafts, not one string: wrap it in a list")
        if not len(texts):
            return []
        return self._scorer.probabilities(self._normalised(texts)).tolist()

    def assess(self, texts: Sequence[str]) -> Assessment:
        """`score(texts)`, keeping the drafts' TF-IDF rows so that naming the likely categories of those the model
        flags (`Assessment.likely_categories`) does not normalise and hash the same drafts a second time."""
        if isinstance(texts, str):
            raise TypeError("assess() takes a sequence of drafts, not one string: wrap it in a list")
        batches = self._normalised(texts)
        rows = tuple([vectorizer.tfidf_rows_of(batch) for batch in batches] for vectorizer in self._scorer.vectorizers)
        scores = self._scorer.probabilities_of(rows).tolist() if len(texts) else []
        return Assessment(scores, rows, self._categories)

    def likely_categories(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """The risky categories each draft most resembles, so a flag from the model can say what kind of risk.

        One category when the classifier is clearly surer of it than of any other (twice as likely as the
        runner-up), else the two likeliest: the categories overlap (a promotion on a disaster day is both
        newsjacking and disaster), and naming one guess as fact would mislead.
        """
        if not len(texts):
            return []
        if self._categories is None:
            return [() for _ in texts]
        return self._categories.likeliest(self._categories.decisions(self._normalised(texts)))

    def _normalised(self, texts: Sequence[str]) -> list[_Documents]:
        """The drafts normalised in the vectorizers' batches (Assessment.likely_categories regroups by them)."""
        size = self._scorer.batch_size
        return [_Documents.of_texts(texts[start : start + size]) for start in range(0, len(texts), size)]


@dataclass(frozen=True)
class Assessment:
    """A batch's risk scores, and the TF-IDF rows they were computed from (one list of batches per vectorizer)."""

    scores: list[float]
    rows: tuple[list[_TfidfRows], ...]
    categories: _CategoryScorer | None

    def likely_categories(self, indexes: Sequence[int]) -> list[tuple[str, ...]]:
        """`RiskModel.likely_categories` of the drafts at these positions of the batch, in this order.

        The drafts' rows are regrouped into the batches that call would have made of them, so every sum is taken
        over the same numbers in the same order: the decision values are identical to the last bit.
        """
        if not len(indexes):
            return []
        if self.categories is None:
            return [() for _ in indexes]
        regrouped = [
            [
                _TfidfRows.gather(batches, vectorizer.batch_size, indexes[start : start + vectorizer.batch_size])
                for start in range(0, len(indexes), vectorizer.batch_size)
            ]
            for vectorizer, batches in zip(self.categories.vectorizers, self.rows, strict=True)
        ]
        return self.categories.likeliest(self.categories.decisions_of(regrouped))


@dataclass(frozen=True)
class _CategoryScorer:
    """The category classifier's decision values on the risk model's features, through the same fast path."""

    names: tuple[str, ...]
    vectorizers: tuple[HashedTfidfVectorizer, ...]
    weights: tuple[np.ndarray, ...]  # vocabulary x categories, one per vectorizer (see `_TfidfRows.weighted_sums`)
    intercepts: np.ndarray

    @classmethod
    def from_classifier(cls, pipeline: Pipeline, classifier: LogisticRegression) -> _CategoryScorer:
        coefficients, intercepts = classifier.coef_, classifier.intercept_
        if len(classifier.classes_) == 2:  # binary: one row, for the second class against the first
            coefficients = np.vstack([np.zeros_like(coefficients[0]), coefficients[0]])
            intercepts = np.array([0.0, intercepts[0]])
        vectorizers, weights = _split_by_vectorizer(pipeline, coefficients.astype(np.float32))
        return cls(
            names=tuple(str(name) for name in classifier.classes_),
            vectorizers=vectorizers,
            weights=tuple(np.ascontiguousarray(part.T) for part in weights),
            intercepts=np.asarray(intercepts),
        )

    def decisions(self, batches: Sequence[_Documents]) -> np.ndarray:
        return _decisions(self.vectorizers, self.weights, self.intercepts, batches, by_column=True)

    def decisions_of(self, rows: Sequence[Iterable[_TfidfRows]]) -> np.ndarray:
        return _decisions_of(rows, self.weights, self.intercepts, by_column=True)

    def likeliest(self, decisions: np.ndarray) -> list[tuple[str, ...]]:
        """The likeliest category of each row of decision values, or the two likeliest (see likely_categories)."""
        names = self.names
        if len(names) == 1:
            return [(names[0],) for _ in decisions]
        ranked = np.argsort(decisions, axis=1)[:, ::-1]
        first, second = ranked[:, 0], ranked[:, 1]
        drafts = np.arange(len(decisions))
        # Softmax probabilities: p(first) / p(second) = exp(decision difference).
        sure = decisions[drafts, first] - decisions[drafts, second] >= np.log(CATEGORY_MARGIN)
        return [
            (names[one],) if clear else (names[one], names[two])
            for one, two, clear in zip(first.tolist(), second.tolist(), sure.tolist(), strict=True)
        ]


def _split_by_vectorizer(
    pipeline: Pipeline, coefficients: np.ndarray
) -> tuple[tuple[HashedTfidfVectorizer, ...], tuple[np.ndarray, ...]]:
    """The pipeline's vectorizers, and each one's slice of the coefficient rows (one row per output)."""
    vectorizers = tuple(vectorizer for _, vectorizer in pipeline.named_steps["features"].transformer_list)
    bounds = np.cumsum([0] + [len(vectorizer.hashes_) for vectorizer in vectorizers])
    weights = tuple(
        np.ascontiguousarray(coefficients[:, low:high]) for low, high in zip(bounds[:-1], bounds[1:], strict=True)
    )
    return vectorizers, weights


def _decisions(
    vectorizers: Sequence[HashedTfidfVectorizer],
    weights: Sequence[np.ndarray],
    intercepts: np.ndarray,
    batches: Sequence[_Documents],
    *,
    by_column: bool = False,
) -> np.ndarray:
    """Linear decision values, one column per coefficient row: intercept plus every vectorizer's weighted sums."""
    rows = [map(vectorizer.tfidf_rows_of, batches) for vectorizer in vectorizers]
    return _decisions_of(rows, weights, intercepts, by_column=by_column)


def _decisions_of(
    rows: Sequence[Iterable[_TfidfRows]],
    weights: Sequence[np.ndarray],
    intercepts: np.ndarray,
    *,
    by_column: bool = False,
) -> np.ndarray:
    """`_decisions` from the documents' TF-IDF rows, one iterable of batches per vectorizer."""
    return intercepts + sum(
        _TfidfRows.weighted_sums_of(batches, coefficients, by_column=by_column)
        for batches, coefficients in zip(rows, weights, strict=True)
    )


@dataclass(frozen=True)
class _LinearScorer:
    """The fitted pipeline's arithmetic without scikit-learn's per-call validation, which costs ~15 ms a call.

    Each calibrated member (one, unless the pipeline was built as an ensemble) is a logistic regression followed
    by a sigmoid calibrator: p = expit(-(a * (x.w + c) + b)); the model's probability is their mean, exactly as
    CalibratedClassifierCV.predict_proba computes it (a test holds the two together).
    """

    vectorizers: tuple[HashedTfidfVectorizer, ...]
    weights: tuple[np.ndarray, ...]
    intercepts: np.ndarray
    slopes: np.ndarray
    offsets: np.ndarray
    batch_size: int  # every vectorizer's, so that one normalised batch serves them all

    @classmethod
    def from_pipeline(cls, pipeline: Pipeline) -> _LinearScorer:
        features = pipeline.named_steps["features"]
        calibrated = pipeline.named_steps["classifier"]
        if (
            pipeline.named_steps["normalise"].func is not normalise_texts
            or calibrated.method != "sigmoid"
            or list(calibrated.classes_) != [0, 1]
            or features.transformer_weights
        ):
            raise ValueError("only build_pipeline()'s shape can be scored: binary, sigmoid-calibrated, unweighted")
        members = calibrated.calibrated_classifiers_
        coefficients = np.vstack([member.estimator.coef_[0] for member in members])
        vectorizers, weights = _split_by_vectorizer(pipeline, coefficients)
        batch_sizes = {vectorizer.batch_size for vectorizer in vectorizers}
        if len(batch_sizes) != 1:
            raise ValueError(f"the vectorizers must share one batch size to be scored together, not {batch_sizes}")
        return cls(
            vectorizers=vectorizers,
            weights=weights,
            intercepts=np.array([member.estimator.intercept_[0] for member in members]),
            slopes=np.array([member.calibrators[0].a_ for member in members]),
            offsets=np.array([member.calibrators[0].b_ for member in members]),
            batch_size=batch_sizes.pop(),
        )

    def probabilities(self, batches: Sequence[_Documents]) -> np.ndarray:
        return self.probabilities_of([map(vectorizer.tfidf_rows_of, batches) for vectorizer in self.vectorizers])

    def probabilities_of(self, rows: Sequence[Iterable[_TfidfRows]]) -> np.ndarray:
        decision = _decisions_of(rows, self.weights, self.intercepts)
        return expit(-(self.slopes * decision + self.offsets)).mean(axis=1)


@dataclass(frozen=True)
class Scores:
    """Cross-validated quality at the chosen thresholds; flagged_ok_rate is the share of ok drafts sent to review."""

    rows: int
    risky: int
    precision: float
    recall: float
    f1: float
    roc_auc: float | None
    flagged_ok_rate: float


@dataclass(frozen=True)
class CategoryRecall:
    """Out-of-fold recall of one risky category, and how often the model named that category for its drafts."""

    rows: int
    recall: float
    named: float | None = None


@dataclass(frozen=True)
class CVMetrics:
    """Out-of-fold figures. Each row is judged at its language's threshold; the thresholds were chosen on these
    same out-of-fold scores, so the flagged-ok rates are what the rule guarantees, not independent estimates.
    high_recall is the alternative operating point, one threshold for every language."""

    folds: int
    threshold_rule: str
    threshold: float
    language_thresholds: dict[str, float]
    overall: Scores
    overall_at_one_threshold: Scores
    per_language: dict[str, Scores]
    per_category_recall: dict[str, CategoryRecall]
    high_recall_threshold: float
    high_recall: Scores
    best_f1: float
    best_f1_threshold: float
    brier: float
    category_accuracy: float | None = None


@dataclass
class TrainingResult:
    model: RiskModel
    metrics: CVMetrics
    corpus_path: Path
    corpus_sha256: str
    rows: int
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


def choose_threshold(y_true: np.ndarray, probabilities: np.ndarray, max_flagged_ok: float = MAX_FLAGGED_OK) -> float:
    """Lowest threshold (so the most risky drafts caught) that flags at most max_flagged_ok of the ok drafts.

    A false-alarm budget rather than a recall target: at recall 0.9 this model sends over a third of ordinary
    drafts to a reviewer, who soon learns to approve without reading, and the rules, not this model, are the
    high-recall layer. Like recall, and unlike precision or F1, the rate does not depend on the share of risky
    drafts in the corpus, which is far higher here than in a real content calendar.
    """
    ok_scores = np.sort(probabilities[y_true == 0])[::-1]
    allowed = int(np.floor(max_flagged_ok * len(ok_scores) + 1e-9))
    if allowed >= len(ok_scores):
        return 0.0
    return float(np.nextafter(ok_scores[allowed], np.inf))


def recall_threshold(y_true: np.ndarray, probabilities: np.ndarray, recall_target: float = HIGH_RECALL) -> float:
    """Highest threshold at which at least recall_target of the risky drafts score at or above it."""
    risky_scores = np.sort(probabilities[y_true == 1])[::-1]
    needed = max(int(np.ceil(recall_target * len(risky_scores) - 1e-9)), 1)
    return float(risky_scores[needed - 1])


def _scores(y_true: np.ndarray, probabilities: np.ndarray, thresholds: float | np.ndarray) -> Scores:
    predicted = (probabilities >= thresholds).astype(int)
    ok_rows = y_true == 0
    return Scores(
        rows=len(y_true),
        risky=int(y_true.sum()),
        precision=float(precision_score(y_true, predicted, zero_division=0)),
        recall=float(recall_score(y_true, predicted, zero_division=0)),
        f1=float(f1_score(y_true, predicted, zero_division=0)),
        roc_auc=float(roc_auc_score(y_true, probabilities)) if len(np.unique(y_true)) == 2 else None,
        flagged_ok_rate=float(predicted[ok_rows].mean()) if ok_rows.any() else 0.0,
    )


def _stratification_keys(rows: list[CorpusRow]) -> np.ndarray:
    """Language x label, so every fold holds each language's risky and ok drafts.

    A pair with fewer rows than folds joins the largest pair of its label, so no stratum is too small to split.
    """
    counts = Counter((row.lang, row.label) for row in rows)
    largest = {
        label: max((pair for pair in counts if pair[1] == label), key=counts.__getitem__) for label in (RISKY, OK)
    }
    keys = []
    for row in rows:
        pair = (row.lang, row.label)
        lang, label = pair if counts[pair] >= CV_FOLDS else largest[row.label]
        keys.append(f"{lang}:{label}")
    return np.array(keys)


def fit_category_classifier(pipeline: Pipeline, texts: Sequence[str], categories: Sequence[str]) -> LogisticRegression:
    """Which risky category a draft resembles, learned from the risky rows on the risk model's own features."""
    classifier = LogisticRegression(C=CATEGORY_C, class_weight="balanced", max_iter=5000, random_state=RANDOM_STATE)
    return classifier.fit(pipeline[:-1].transform(list(texts)), list(categories))


def cross_validate(rows: list[CorpusRow], **pipeline_options: Any) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold risk probability of every row, and out-of-fold likely category of every risky row ("" for ok)."""
    texts = np.array([row.text for row in rows], dtype=object)
    y = np.array([row.label == RISKY for row in rows], dtype=int)
    categories = np.array([row.category for row in rows], dtype=object)
    probabilities = np.zeros(len(rows))
    predicted = np.full(len(rows), "", dtype=object)
    folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=RANDOM_STATE)
    for train_index, test_index in folds.split(texts, _stratification_keys(rows)):
        pipeline = build_pipeline(**pipeline_options).fit(list(texts[train_index]), y[train_index])
        probabilities[test_index] = pipeline.predict_proba(list(texts[test_index]))[:, 1]
        risky_train, risky_test = train_index[y[train_index] == 1], test_index[y[test_index] == 1]
        classifier = fit_category_classifier(pipeline, texts[risky_train], categories[risky_train])
        predicted[risky_test] = classifier.predict(pipeline[:-1].transform(list(texts[risky_test])))
    return probabilities, predicted


def evaluate(
    rows: list[CorpusRow], probabilities: np.ndarray, predicted_categories: np.ndarray | None = None
) -> CVMetrics:
    """Thresholds from out-of-fold scores (one overall, one per language with enough rows) and the precision,
    recall, F1, ROC AUC, flagged-ok rate and per-category recall they give; with out-of-fold category
    predictions, also how often the likely category named for a risky draft is its labelled one."""
    y = np.array([row.label == RISKY for row in rows], dtype=int)
    langs = np.array([row.lang for row in rows])
    categories = np.array([row.category for row in rows])
    threshold = choose_threshold(y, probabilities)
    language_thresholds = {
        lang: choose_threshold(y[langs == lang], probabilities[langs == lang])
        for lang in sorted(set(langs))
        if min(y[langs == lang].sum(), (y[langs == lang] == 0).sum()) >= MIN_ROWS_FOR_OWN_THRESHOLD
    }
    row_thresholds = np.array([language_thresholds.get(lang, threshold) for lang in langs])
    per_category = {}
    for category in sorted(set(categories[y == 1])):
        selected = (y == 1) & (categories == category)
        caught = probabilities[selected] >= row_thresholds[selected]
        named = None if predicted_categories is None else float((predicted_categories[selected] == category).mean())
        per_category[category] = CategoryRecall(rows=int(selected.sum()), recall=float(caught.mean()), named=named)
    category_accuracy = (
        None if predicted_categories is None else float((predicted_categories[y == 1] == categories[y == 1]).mean())
    )
    precisions, recalls, candidates = precision_recall_curve(y, probabilities)
    f1s = 2 * precisions[:-1] * recalls[:-1] / np.maximum(precisions[:-1] + recalls[:-1], 1e-12)
    best = int(np.argmax(f1s))
    high_recall_threshold = recall_threshold(y, probabilities)
    return CVMetrics(
        folds=CV_FOLDS,
        threshold_rule=(
            f"lowest threshold flagging at most {MAX_FLAGGED_OK:.0%} of ok drafts in cross-validation, "
            f"per language when it has >= {MIN_ROWS_FOR_OWN_THRESHOLD} rows of each label"
        ),
        threshold=threshold,
        language_thresholds=language_thresholds,
        overall=_scores(y, probabilities, row_thresholds),
        overall_at_one_threshold=_scores(y, probabilities, threshold),
        per_language={
            lang: _scores(y[langs == lang], probabilities[langs == lang], row_thresholds[langs == lang])
            for lang in sorted(set(langs))
        },
        per_category_recall=per_category,
        high_recall_threshold=high_recall_threshold,
        high_recall=_scores(y, probabilities, high_recall_threshold),
        best_f1=float(f1s[best]),
        best_f1_threshold=float(candidates[best]),
        brier=float(np.mean((probabilities - y) ** 2)),
        category_accuracy=category_accuracy,
    )


def learnable(rows: list[CorpusRow]) -> list[CorpusRow]:
    """The rows the model learns from: all but the categories only a rule can see (RULE_ONLY_CATEGORIES)."""
    return [row for row in rows if row.category not in RULE_ONLY_CATEGORIES]


def train(corpus_path: Path = DEFAULT_CORPUS) -> TrainingResult:
    """Cross-validate on the corpus, choose thresholds from the out-of-fold scores, then fit on every row it
    can learn from."""
    corpus_path = Path(corpus_path)
    rows = learnable(read_corpus(corpus_path))
    probabilities, predicted_categories = cross_validate(rows)
    metrics = evaluate(rows, probabilities, predicted_categories)
    y = np.array([row.label == RISKY for row in rows], dtype=int)
    pipeline = build_pipeline().fit([row.text for row in rows], y)
    risky = [row for row in rows if row.label == RISKY]
    category_classifier = fit_category_classifier(pipeline, [r.text for r in risky], [r.category for r in risky])
    return TrainingResult(
        model=RiskModel(
            pipeline, metrics.threshold, metrics.language_thresholds, category_classifier=category_classifier
        ),
        metrics=metrics,
        corpus_path=corpus_path,
        corpus_sha256=file_sha256(corpus_path),
        rows=len(rows),
    )


def artifact_paths(directory: Path) -> tuple[Path, Path]:
    stem = f"risk_model-v{MODEL_VERSION}"
    return Path(directory) / f"{stem}.joblib", Path(directory) / f"{stem}.json"


def save(result: TrainingResult, directory: Path = ARTIFACT_DIR) -> Path:
    """Write the model, then its metadata, so metadata never describes a half-written model. Returns the model path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model_path, metadata_path = artifact_paths(directory)
    fitted = {"pipeline": result.model.pipeline, "category_classifier": result.model.category_classifier}
    _write_atomically(model_path, lambda handle: joblib.dump(fitted, handle, compress=("xz", 6)))
    metadata = {
        "version": MODEL_VERSION,
        "created": result.created.isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
        "corpus_sha256": result.corpus_sha256,
        "corpus_rows": result.rows,
        "threshold": result.metrics.threshold,
        "language_thresholds": result.metrics.language_thresholds,
        "model_sha256": file_sha256(model_path),
        "features": {
            "word_ngrams": list(WORD_NGRAMS),
            "word_min_df": WORD_MIN_DF,
            "char_wb_ngrams": list(CHAR_NGRAMS),
            "char_min_df": CHAR_MIN_DF,
            "classifier": "logistic regression on naive-Bayes log-count ratios",
            "C": C,
            "nb_smoothing": NB_SMOOTHING,
            "category_C": CATEGORY_C,
            "calibration": "sigmoid",
        },
        "cv": asdict(result.metrics),
    }
    text = json.dumps(metadata, indent=2, ensure_ascii=False) + "\n"
    _write_atomically(metadata_path, lambda handle: handle.write(text.encode()))
    result.model.metadata = metadata
    return model_path


def _write_atomically(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_risk_model_from(directory: Path) -> RiskModel:
    """Load and verify an artefact: present, made by this scikit-learn, and the very file its metadata describes."""
    model_path, metadata_path = artifact_paths(directory)
    missing = [path for path in (model_path, metadata_path) if not path.exists()]
    if missing:
        raise RiskModelError(
            f"risk model artefact missing: {', '.join(str(path) for path in missing)}. "
            f"Train it with `{TRAIN_COMMAND}` (it writes {model_path.name} and {metadata_path.name})."
        )
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    trained_with = metadata.get("sklearn_version")
    if trained_with != sklearn.__version__:
        raise RiskModelError(
            f"{model_path} was trained with scikit-learn {trained_with} but {sklearn.__version__} is installed; "
            f"a model pickled by another version is not safe to load. Retrain with `{TRAIN_COMMAND}`."
        )
    if metadata.get("model_sha256") != file_sha256(model_path):
        raise RiskModelError(
            f"{model_path} does not match the sha256 in {metadata_path.name}: it was replaced or damaged. "
            f"Retrain with `{TRAIN_COMMAND}`."
        )
    fitted = joblib.load(model_path)
    return RiskModel(
        fitted["pipeline"],
        float(metadata["threshold"]),
        {lang: float(value) for lang, value in metadata.get("language_thresholds", {}).items()},
        metadata,
        category_classifier=fitted["category_classifier"],
    )


@functools.cache
def load_risk_model() -> RiskModel:
    """The shipped model, loaded once per process (and kept out of the collector's way, like the pipelines)."""
    model = load_risk_model_from(ARTIFACT_DIR)
    gc.freeze()
    return model


def varied_drafts(texts: Sequence[str], count: int) -> list[str]:
    """`count` short drafts made by cycling the given texts with small edits, so no two are identical."""
    edits = (
        lambda text, n: text,
        lambda text, n: f"{text} #{n}",
        lambda text, n: text.upper(),
        lambda text, n: f"New: {text}",
        lambda text, n: text.replace(" ", "  ", 1) + "!",
        lambda text, n: f"{text} (ends {n % 28 + 1} June)",
    )
    return [edits[n % len(edits)](texts[n % len(texts)], n) for n in range(count)]


def measure_throughput(model: RiskModel, drafts: Sequence[str]) -> float:
    """Drafts scored per second in one batched call, after a small warm-up call."""
    model.score(list(drafts[:64]))
    started = time.perf_counter()
    model.score(drafts)
    return len(drafts) / (time.perf_counter() - started)
