"""The learned risk model: trains on a labelled corpus, ships as a verified artefact, scores drafts in batches."""

import csv
import json
import pickle
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from django.core.management import CommandError, call_command
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from checker import risk_model
from checker.models import CATEGORIES
from checker.risk_model import (
    DEFAULT_CORPUS,
    CorpusError,
    HashedTfidfVectorizer,
    NaiveBayesLogisticRegression,
    RiskModelError,
    file_sha256,
    load_risk_model,
    load_risk_model_from,
    normalise_texts,
    read_corpus,
    save,
    train,
    varied_drafts,
)

SMALL_CORPUS = [
    ("Our prices are so low it's a massacre 🔪 Shop the carnage now", "risky", "violence"),
    ("Killer deals all weekend: prices slashed to death", "risky", "violence"),
    ("These heels are to die for, grab them before they're gone", "risky", "death"),
    ("Drop dead gorgeous coats, half price until Sunday", "risky", "death"),
    ("Sale so hot it's like a bomb went off in the store 💣", "risky", "weapons"),
    ("Shoot your shot: our lipstick is loaded and ready to fire 🔫", "risky", "weapons"),
    ("Vote for the party that keeps taxes low, and get 10% off boots", "risky", "politics"),
    ("Whatever your politics, the election result deserves a drink: 2-for-1 cocktails", "risky", "politics"),
    ("Thoughts and prayers to the victims of the shooting. Free delivery this week", "risky", "newsjacking"),
    ("After the earthquake, cheer yourself up with 20% off everything", "risky", "newsjacking"),
    ("Survived the marathon bombing anniversary? Celebrate with our runners' sale", "risky", "tragedy"),
    ("Our deals are a tsunami of savings, a total disaster for our competitors", "risky", "disaster"),
    ("Jesus would have bought these jeans, blessed low prices", "risky", "religion"),
    ("God hates full price. Pray at the altar of our clearance", "risky", "religion"),
    ("Our app is so easy even your retarded cousin can use it", "risky", "hate"),
    ("Get high on our new energy drink, better than cocaine", "risky", "drugs"),
    ("This damn sale is f***ing amazing, shit you not", "risky", "profanity"),
    ("Happy ending guaranteed at our massage parlour 😉", "risky", "sexual"),
    ("Lose weight fast, our pills cure depression too", "risky", "health"),
    ("Our fire sale is burning down the house: everything must go before the blast", "risky", "disaster"),
    ("New season knitwear is in stores now, sizes XS to XXL", "ok", "none"),
    ("Free delivery on orders over £40 this weekend", "ok", "none"),
    ("Meet our head baker at the sourdough workshop on Saturday at 10am", "ok", "none"),
    ("Our spring catalogue is out: linen shirts, light jackets and sandals", "ok", "none"),
    ("Hi @sam, sorry your parcel is late. DM us your order number and we'll sort it", "ok", "none"),
    ("Join our loyalty club and earn points on every coffee", "ok", "none"),
    ("Store hours over the bank holiday: 9am to 5pm", "ok", "none"),
    ("Our new oat milk latte is here, try it with cinnamon", "ok", "none"),
    ("Back to school: notebooks, pens and backpacks from £2", "ok", "none"),
    ("Thank you to our customers for ten years of shopping with us", "ok", "none"),
    ("Win a picnic hamper: tag a friend you'd share it with", "ok", "none"),
    ("Garden furniture now 15% off until the end of the month", "ok", "none"),
    ("We're hiring weekend staff at our Leeds store, apply online", "ok", "none"),
    ("Recycle your old trainers in store and get a £5 voucher", "ok", "none"),
    ("The new running shoe range is light, bouncy and made from recycled plastic", "ok", "none"),
    ("Cosy candles for autumn evenings: vanilla, cedar and fig", "ok", "none"),
    ("Brunch is served until 3pm every Sunday", "ok", "none"),
    ("Our summer playlist is on Spotify, follow for new tracks", "ok", "none"),
    ("Kids eat free on Tuesdays with every adult main", "ok", "none"),
    ("Customer favourite: the classic white shirt is back in stock", "ok", "none"),
]

RISKY_UNSEEN = "Killer prices, a massacre of a sale: these boots are to die for"
ORDINARY_UNSEEN = "Our new linen range is in stores now, with free delivery over £40"
CUSTOMER_REPLY_UNSEEN = "Hi @maya, your order shipped this morning and should arrive on Thursday"


def write_corpus(path: Path, rows: list[tuple[str, str, str]], lang: str = "en") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "category", "lang"])
        writer.writerows((text, label, category, lang) for text, label, category in rows)
    return path


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "train.csv", SMALL_CORPUS)


@pytest.fixture(scope="module")
def trained(small_corpus):
    return train(small_corpus)


def test_a_model_trained_on_forty_drafts_scores_an_unseen_risky_draft_above_an_ordinary_one(trained):
    risky, ordinary = trained.model.score([RISKY_UNSEEN, ORDINARY_UNSEEN])

    assert 0.0 <= ordinary < risky <= 1.0
    assert risky >= trained.model.threshold_for("en")
    assert trained.metrics.overall.rows == 40
    assert trained.metrics.overall.flagged_ok_rate <= risk_model.MAX_FLAGGED_OK
    assert trained.metrics.high_recall.recall >= risk_model.HIGH_RECALL


def test_the_likely_category_is_one_the_corpus_labels_and_is_cross_validated(trained):
    risky_categories = {category for _, label, category in SMALL_CORPUS if label == "risky"}

    likely = trained.model.likely_categories([RISKY_UNSEEN, ORDINARY_UNSEEN, "Pray at our holy altar of savings"])

    assert all(1 <= len(names) <= 2 and set(names) <= risky_categories for names in likely)
    assert trained.metrics.category_accuracy is not None
    assert 0.0 <= trained.metrics.category_accuracy <= 1.0
    assert trained.model.likely_categories([]) == []


def test_hidden_characters_do_not_change_a_score(trained):
    clean, disguised = trained.model.score(["Killer deal, to die for", "ＫＩ\u200bLLER  deal,\u202e to die for"])

    assert disguised == clean


def test_a_saved_model_loads_back_with_identical_scores_and_thresholds(trained, small_corpus, tmp_path):
    drafts = varied_drafts([text for text, _, _ in SMALL_CORPUS] + [RISKY_UNSEEN, ORDINARY_UNSEEN], 500)

    model_path = save(trained, tmp_path)
    loaded = load_risk_model_from(tmp_path)

    assert model_path == tmp_path / f"risk_model-v{risk_model.MODEL_VERSION}.joblib"
    assert loaded.score(drafts) == trained.model.score(drafts)
    assert loaded.threshold == trained.model.threshold
    assert loaded.language_thresholds == trained.model.language_thresholds
    assert loaded.likely_categories(drafts[:40]) == trained.model.likely_categories(drafts[:40])
    metadata = json.loads((tmp_path / f"risk_model-v{risk_model.MODEL_VERSION}.json").read_text())
    assert metadata["corpus_sha256"] == file_sha256(small_corpus)
    assert metadata["corpus_rows"] == 40
    assert metadata["cv"]["overall"]["recall"] == trained.metrics.overall.recall


def test_the_fast_scorer_gives_the_pipelines_own_probabilities(trained):
    drafts = varied_drafts([text for text, _, _ in SMALL_CORPUS], 300)

    fast = np.array(trained.model.score(drafts))
    by_scikit_learn = trained.model.pipeline.predict_proba(drafts)[:, 1]

    np.testing.assert_allclose(fast, by_scikit_learn, atol=1e-6)


def test_naive_bayes_weighting_starts_a_word_seen_only_in_risky_drafts_loud_and_a_shared_word_quiet():
    drafts = ["guns for sale", "guns and ammo", "cake for sale", "cake and tea"] * 5
    risky = np.array([1, 1, 0, 0] * 5)
    features = sp.csr_matrix(np.array([[t in d.split() for t in ("guns", "cake", "for")] for d in drafts], dtype=float))

    model = NaiveBayesLogisticRegression(C=1.0).fit(features, risky)

    guns, cake, shared = model.log_count_ratios_
    assert guns > 0 > cake
    assert abs(shared) < 1e-9
    assert model.predict(features[:4]).tolist() == [1, 1, 0, 0]


def test_naive_bayes_weighting_scores_plain_features_as_the_regression_scores_weighted_ones(trained):
    drafts = [text for text, _, _ in SMALL_CORPUS]
    labels = np.array([label == "risky" for _, label, _ in SMALL_CORPUS], dtype=int)
    features = trained.model.pipeline[:-1].transform(drafts)
    model = NaiveBayesLogisticRegression(C=4.0).fit(features, labels)

    on_weighted = LogisticRegression(C=4.0, max_iter=5000).fit(features @ sp.diags(model.log_count_ratios_), labels)

    np.testing.assert_allclose(
        model.decision_function(features),
        on_weighted.decision_function(features @ sp.diags(model.log_count_ratios_)),
        atol=1e-5,
    )
    member = trained.model.pipeline.named_steps["classifier"].calibrated_classifiers_[0].estimator
    assert isinstance(member, NaiveBayesLogisticRegression)


def test_naive_bayes_weighting_counts_a_row_of_weight_two_as_two_rows():
    features = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 1.0]]))
    labels = np.array([1, 0, 1, 0])

    weighted = NaiveBayesLogisticRegression().fit(features, labels, sample_weight=np.array([2.0, 1, 1, 1]))
    repeated = NaiveBayesLogisticRegression().fit(sp.vstack([features, features[0]]), np.append(labels, 1))

    np.testing.assert_allclose(weighted.log_count_ratios_, repeated.log_count_ratios_)


def test_naive_bayes_weighting_refuses_more_than_two_labels():
    with pytest.raises(ValueError, match="binary"):
        NaiveBayesLogisticRegression().fit(sp.csr_matrix(np.eye(3)), np.array([0, 1, 2]))


@pytest.mark.parametrize(("analyzer", "ngram_range", "min_df"), [("char_wb", (2, 4), 2), ("word", (1, 2), 1)])
def test_hashed_tfidf_is_scikit_learns_tfidf_on_the_corpus(analyzer, ngram_range, min_df):
    texts = [row.text for row in read_corpus(DEFAULT_CORPUS)]
    training, drafts = normalise_texts(texts), normalise_texts(varied_drafts(texts, 2000))

    ours = HashedTfidfVectorizer(analyzer, ngram_range, min_df=min_df, batch_size=300).fit(training).transform(drafts)
    reference = TfidfVectorizer(
        analyzer=analyzer, ngram_range=ngram_range, min_df=min_df, lowercase=False, sublinear_tf=True, dtype=np.float32
    ).fit(training)
    theirs = reference.transform(drafts)

    assert ours.shape == theirs.shape
    assert len(ours.indices) == len(theirs.indices)
    for row in range(0, len(drafts), 7):
        ours_row = np.sort(ours.data[ours.indptr[row] : ours.indptr[row + 1]])
        theirs_row = np.sort(theirs.data[theirs.indptr[row] : theirs.indptr[row + 1]])
        np.testing.assert_allclose(ours_row, theirs_row, atol=1e-6)


@pytest.mark.parametrize(("analyzer", "ngram_range"), [("char_wb", (2, 4)), ("word", (1, 2))])
def test_weighted_sums_equal_the_tfidf_matrix_times_the_weights(analyzer, ngram_range):
    texts = normalise_texts([row.text for row in read_corpus(DEFAULT_CORPUS)][:400])
    vectorizer = HashedTfidfVectorizer(analyzer, ngram_range, min_df=2, batch_size=64).fit(texts)
    weights = np.random.default_rng(0).normal(size=(3, len(vectorizer.hashes_))).astype(np.float32)
    # Empty drafts (first, and last after a full one) and ordinary drafts across several batches.
    drafts = ["", *normalise_texts(varied_drafts(texts, 150)), ""]

    sums = vectorizer.weighted_sums(drafts, weights)

    np.testing.assert_allclose(sums, (vectorizer.transform(drafts) @ weights.T), atol=1e-5)
    assert not sums[[0, -1]].any()


def test_a_batch_is_normalised_exactly_as_each_of_its_drafts_alone():
    everything = np.arange(1, 0x110000, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
    marks = [character for character in everything if unicodedata.combining(character)]
    # Every code point, inside a draft and at either end of one, next to letters, spaces and combining marks that
    # NFKC, casefold and the whitespace collapse act on; and drafts that are empty or end up empty.
    texts = [f"É {everything[start : start + 61]}\u0301 x" for start in range(0, len(everything), 61)]
    texts += [everything[start : start + 2] for start in range(0, 0x3100, 2)]
    texts += [f"{mark}a{mark}" for mark in marks] + ["", " ", "\u200b", " \t\u3000 ", "A\u200b\u0301", "x", ""]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(texts))
    batches = [[texts[i] for i in order[start : start + 7]] for start in range(0, len(texts), 7)]
    # A draft holding NUL, which sends its batch down the string path; letters casefold makes two of.
    batches += [["a", "b\0c", " "], ["Straße", "ok"], ["İ\u00a0A\u200b\u0301ß  ", "", "ﬀ ẞ"], []]

    for batch in batches:
        fast = risk_model._Documents.of_texts(batch)
        expected = risk_model._Documents.of_normalised(normalise_texts(batch))
        assert fast.codes.tolist() == expected.codes.tolist(), batch
        assert fast.separators_before.tolist() == expected.separators_before.tolist()
        assert fast.count == expected.count == len(batch)


def test_the_lookup_finds_each_vocabulary_hash_at_its_rank_and_nothing_else():
    rng = np.random.default_rng(0)
    extremes = np.array([0, 1, 2, 2**64 - 2], dtype=np.uint64)
    vocabulary = np.unique(np.concatenate([rng.integers(0, 2**64, 3000, dtype=np.uint64), extremes]))
    vectorizer = HashedTfidfVectorizer("word")
    vectorizer._build_table(vocabulary)
    # Every hash, both neighbours of every hash, and the extremes (the largest stops the index's steps).
    near = np.concatenate([vocabulary, vocabulary - np.uint64(1), vocabulary + np.uint64(1)])
    queries = np.concatenate([near, np.array([0, 2**63, 2**64 - 1], dtype=np.uint64)])

    columns, known = vectorizer._columns(queries)

    rank = {int(value): column for column, value in enumerate(vocabulary)}
    expected = [rank.get(int(value), -1) for value in queries]
    assert np.where(known, columns, -1).tolist() == expected


def test_a_pickled_vectorizer_leaves_its_index_out_and_rebuilds_it():
    texts = normalise_texts([row.text for row in read_corpus(DEFAULT_CORPUS)][:200])
    vectorizer = HashedTfidfVectorizer("char_wb", (2, 4), min_df=2).fit(texts)

    loaded = pickle.loads(pickle.dumps(vectorizer))

    assert "bucket_starts_" not in vectorizer.__getstate__()
    assert loaded.transform(texts).toarray().tobytes() == vectorizer.transform(texts).toarray().tobytes()


def test_the_shipped_artefact_was_trained_on_this_corpus_with_this_scikit_learn():
    model = load_risk_model()

    assert model is load_risk_model()
    assert model.metadata["sklearn_version"] == sklearn.__version__
    assert model.metadata["corpus_sha256"] == file_sha256(DEFAULT_CORPUS), (
        "checker/corpus/train.csv changed since the model was trained: run `python manage.py train_checker`"
    )
    assert model.metadata["version"] == risk_model.MODEL_VERSION
    assert set(model.language_thresholds) == {"ar", "en", "he", "pl", "zh"}
    risky, reply = model.score([RISKY_UNSEEN, CUSTOMER_REPLY_UNSEEN])
    assert risky >= model.threshold_for("en") > reply


def test_an_assessment_gives_the_scores_and_categories_of_the_drafts_own_text():
    model = load_risk_model()
    texts = [row.text for row in read_corpus(DEFAULT_CORPUS)]
    drafts = varied_drafts(texts, 2500)  # three of the vectorizers' batches
    # More drafts than one batch, out of order and spread over every batch, as check_texts asks for them.
    indexes = [*range(2499, 0, -3), *range(0, 2500, 7)]

    assessment = model.assess(drafts)

    assert assessment.scores == model.score(drafts)
    assert assessment.likely_categories(indexes) == model.likely_categories([drafts[i] for i in indexes])
    assert assessment.likely_categories([]) == []
    assert model.assess([]).scores == []


def test_a_missing_artefact_says_to_run_train_checker(tmp_path):
    with pytest.raises(RiskModelError, match="python manage.py train_checker"):
        load_risk_model_from(tmp_path)


def test_an_artefact_from_another_scikit_learn_is_refused(trained, tmp_path):
    save(trained, tmp_path)
    metadata_path = tmp_path / f"risk_model-v{risk_model.MODEL_VERSION}.json"
    metadata = json.loads(metadata_path.read_text())
    metadata["sklearn_version"] = "1.0.2"
    metadata_path.write_text(json.dumps(metadata))

    with pytest.raises(RiskModelError, match=r"scikit-learn 1\.0\.2 but .* is installed.*train_checker"):
        load_risk_model_from(tmp_path)


def test_a_replaced_model_file_is_refused(trained, tmp_path):
    model_path = save(trained, tmp_path)
    model_path.write_bytes(model_path.read_bytes() + b"\0")

    with pytest.raises(RiskModelError, match="does not match the sha256"):
        load_risk_model_from(tmp_path)


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        ('"Massive sale, prices slashed",riksy,violence,en', "label 'riksy'"),
        (" ,ok,none,en", "empty text"),
        ('"Soldes monstres ce week-end",ok,none,fr', "lang 'fr'"),
        ('"Killer deals all weekend",risky,violent,en', "category 'violent'"),
        ('"Free delivery on orders over £40 this weekend",ok,none,en', "duplicate of line 2"),
        ('"Brunch is served until 3pm",ok,none', "expected 4 fields"),
    ],
)
def test_a_corpus_with_a_bad_row_names_its_line(tmp_path, bad_row, reason):
    corpus = tmp_path / "train.csv"
    corpus.write_text(
        "text,label,category,lang\n"
        '"Free delivery on orders over £40 this weekend",ok,none,en\n'
        '"Our winter coats are in:\nwool, down and waxed cotton",ok,none,en\n'
        f"{bad_row}\n",
        encoding="utf-8",
    )

    with pytest.raises(CorpusError) as raised:
        read_corpus(corpus)

    assert [line for line, _ in raised.value.problems] == [5]
    assert f"line 5: {reason}" in str(raised.value)


def test_a_corpus_too_small_to_cross_validate_is_refused(tmp_path):
    corpus = write_corpus(tmp_path / "train.csv", SMALL_CORPUS[:5] + SMALL_CORPUS[-5:])

    with pytest.raises(CorpusError, match="only 5 'risky' rows"):
        read_corpus(corpus)


def test_the_corpus_categories_are_the_checkers_finding_categories():
    assert set(CATEGORIES) == risk_model.CATEGORIES


def test_train_checker_prints_the_cross_validated_table_and_writes_the_artefact(small_corpus, tmp_path, capsys):
    call_command("train_checker", corpus=small_corpus, output=tmp_path)

    printed = capsys.readouterr().out
    assert "precision" in printed
    assert "recall" in printed
    assert "violence" in printed
    assert "drafts/s" in printed
    assert str(tmp_path / f"risk_model-v{risk_model.MODEL_VERSION}.joblib") in printed
    loaded = load_risk_model_from(tmp_path)
    assert loaded.metadata["corpus_sha256"] == file_sha256(small_corpus)


def test_train_checker_refuses_a_corpus_with_a_bad_label_and_names_the_line(tmp_path):
    rows = [*SMALL_CORPUS[:3], ("Mega sale today only", "riksy", "violence"), *SMALL_CORPUS[3:]]
    corpus = write_corpus(tmp_path / "train.csv", rows)

    with pytest.raises(CommandError, match=r"line 5: label 'riksy'"):
        call_command("train_checker", corpus=corpus, output=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_fast_category_path_ranks_categories_as_scikit_learn_does(trained):
    drafts = varied_drafts([text for text, _, _ in SMALL_CORPUS], 120)
    classifier = trained.model.category_classifier
    probabilities = classifier.predict_proba(trained.model.pipeline[:-1].transform(drafts))

    likely = trained.model.likely_categories(drafts)

    for names, row in zip(likely, probabilities, strict=True):
        first, second = np.argsort(row)[::-1][:2]
        assert names[0] == classifier.classes_[first]
        expected = 1 if row[first] >= risk_model.CATEGORY_MARGIN * row[second] else 2
        assert len(names) == expected or np.isclose(row[first], risk_model.CATEGORY_MARGIN * row[second])
