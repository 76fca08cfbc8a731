"""Tokenizers and models: the T5 sentinel layout, the tiny model's start, checkpoints, load errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from factories import SMALL_SIZES, elotl_lines

from xlt.errors import InputError, WorkspaceError
from xlt.modeling.build import build_tiny_model, tiny_config
from xlt.modeling.checkpoints import save_checkpoint
from xlt.modeling.labels import model_label, short_label
from xlt.modeling.loading import load_model
from xlt.modeling.mixing import balanced_sample, temperature_weights
from xlt.modeling.tokenizers import load_tokenizer, sentinel_ids, train_tokenizer


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 400-piece tokenizer trained on Spanish and Nahuatl lines."""
    out = tmp_path_factory.mktemp("tok") / "tok"
    lines = {"spa": elotl_lines(0, 1500), "nci": elotl_lines(1, 1500)}
    train_tokenizer(lines, out, vocab_size=400, max_sentences=3000)
    return out


def test_tokenizer_has_t5_layout(tokenizer_dir: Path) -> None:
    """pad 0, eos 1, unk 2, and <extra_id_0> is the highest id, counting down to <extra_id_99>."""
    tok = load_tokenizer(tokenizer_dir)
    assert (tok.pad_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2)
    ids = sentinel_ids(tok)
    assert ids[0] == len(tok) - 1
    assert ids == list(range(len(tok) - 1, len(tok) - 101, -1))
    encoded = tok("La casa es grande.").input_ids
    assert encoded[-1] == 1 and tok.unk_token_id not in encoded
    assert (tokenizer_dir / "tokenizer.json").is_file() and (tokenizer_dir / "spiece.model").is_file()


def test_overlap_counts_with_the_rust_tokenizer_as_transformers_does(tokenizer_dir: Path) -> None:
    """`analyze overlap` reads an xlt-trained tokenizer without transformers: same vocabulary size and
    the same counts of every id, on text the tokenizer saw and on text it did not."""
    from xlt.analysis.overlap import count_subtokens, vocab_size
    from xlt.analysis.overlap import load_tokenizer as overlap_tokenizer

    rust, wrapped = overlap_tokenizer(tokenizer_dir, own=True), load_tokenizer(tokenizer_dir)
    assert type(rust).__module__.startswith("tokenizers") and vocab_size(rust) == len(wrapped)
    lines = [*elotl_lines(1, 300), *elotl_lines(2, 300), "Čeština, ελληνικά, 日本語 <extra_id_3>"]
    counts = count_subtokens(rust, lines)
    assert counts.sum() > 1000 and (counts == count_subtokens(wrapped, lines)).all()


def test_a_damaged_own_tokenizer_is_one_clear_error(tmp_path: Path) -> None:
    from xlt.analysis.overlap import load_tokenizer as overlap_tokenizer

    (tmp_path / "tokenizer.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="cannot load the tokenizer"):
        overlap_tokenizer(tmp_path, own=True)


def test_temperature_weights_follow_mt5() -> None:
    """p(l) ∝ n**0.3 flattens the mix: a 100x larger language gets ~4x the share, not 100x."""
    weights = temperature_weights({"big": 100_000, "small": 1_000}, alpha=0.3)
    assert math.isclose(sum(weights.values()), 1.0)
    assert math.isclose(weights["big"] / weights["small"], 100**0.3, rel_tol=1e-9)
    sample = balanced_sample({"big": ["a"] * 1000, "small": ["b"] * 10}, total=200, seed=1)
    # shares 1 : 100**0.3 ≈ 1 : 3.98, so "small" gets 40 of 200 lines: its 10 lines repeated 4 times
    assert sample.count("b") == 40 and sample.count("a") == 160


def test_tiny_model_starts_near_uniform_loss() -> None:
    """A fresh tiny mT5 has an untied head and a first loss near ln(vocab), not ~110."""
    import torch

    config = tiny_config("tiny", 500, **SMALL_SIZES)
    model = build_tiny_model(config, seed=0)
    assert model.lm_head.weight is not model.shared.weight
    x = torch.randint(3, 400, (4, 16))
    y = torch.randint(3, 400, (4, 6))
    loss = model(input_ids=x, labels=y).loss.item()
    assert abs(loss - math.log(500)) < 1.5  # logits of std ~1 add ~0.5 nats; the std-1 tied head gave ~110
    assert model_label(model).startswith("tiny:")


def test_checkpoint_roundtrip_keeps_weights_and_label(tmp_path: Path, tokenizer_dir: Path) -> None:
    """save_checkpoint writes safetensors + tokenizer; load_model restores the same untied weights."""
    import torch

    tok = load_tokenizer(tokenizer_dir)
    model = build_tiny_model(tiny_config("tiny", len(tok), **SMALL_SIZES), seed=3)
    out = save_checkpoint(model, tok, tmp_path / "ckpt", info={"step": 7})
    assert (out / "model.safetensors").is_file() and (out / "tokenizer.json").is_file()
    assert not list(out.glob("*.bin")) and not list(out.glob("*.pt"))
    assert json.loads((out / "xlt_model.json").read_text())["step"] == 7
    loaded = load_model(out)
    assert loaded.label == model_label(model)
    assert torch.equal(loaded.model.lm_head.weight, model.lm_head.weight)
    assert torch.equal(loaded.model.shared.weight, model.shared.weight)
    assert loaded.model.lm_head.weight is not loaded.model.shared.weight
    assert len(loaded.tokenizer) == len(tok)


def test_models_run_the_fused_gelu_with_mt5s_numbers(tmp_path: Path, tokenizer_dir: Path) -> None:
    """Built and loaded models use PyTorch's fused tanh GELU; outputs match transformers' gelu_new."""
    import copy

    import torch
    from transformers.activations import GELUTanh, NewGELUActivation

    tok = load_tokenizer(tokenizer_dir)
    model = build_tiny_model(tiny_config("tiny", len(tok), **SMALL_SIZES), seed=1)
    loaded = load_model(save_checkpoint(model, tok, tmp_path / "ckpt")).model
    for candidate in (model, loaded):
        acts = [m for m in candidate.modules() if isinstance(m, (GELUTanh, NewGELUActivation))]
        assert acts and all(isinstance(m, GELUTanh) for m in acts)
    assert model.config.dense_act_fn == "gelu_new"  # checkpoints stay standard mT5
    unfused = copy.deepcopy(model)
    for layer in unfused.modules():
        if hasattr(layer, "act") and isinstance(layer.act, GELUTanh):
            layer.act = NewGELUActivation()
    x, y = torch.randint(3, len(tok), (3, 12)), torch.randint(3, len(tok), (3, 5))
    with torch.no_grad():
        assert torch.allclose(
            model(input_ids=x, labels=y).logits, unfused(input_ids=x, labels=y).logits, atol=1e-5
        )


def test_load_model_errors(tmp_path: Path) -> None:
    """Missing or corrupt directories, an uncached hub id, and a missing base model: clear XltErrors."""
    from xlt.workspace import Workspace

    with pytest.raises(InputError, match="does not exist"):
        load_model(tmp_path / "nope")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    (broken / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(InputError, match="cannot load"):
        load_model(broken)
    with pytest.raises(InputError, match="not in the Hugging Face cache and this machine is offline"):
        load_model("xlt-tests/no-such-model")
    with pytest.raises(WorkspaceError, match="pretrain --base"):
        load_model("base", Workspace(tmp_path / "ws"))


def test_short_label() -> None:
    """Run ids use a short, path-safe form of the model label."""
    assert short_label("google/mt5-base") == "mt5-base"
    assert short_label("tiny:ab12cd34") == "tiny"
    assert short_label("base:ab12cd34") == "base"


def test_model_specs_have_one_parser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The four words, saved directories and hub ids parse in one place; auto resolves by the workspace."""
    from xlt.errors import UsageError
    from xlt.modeling.spec import BASE_INFO_FILE, ModelKind, ModelSpec
    from xlt.training.config import default_config
    from xlt.workspace import Workspace

    monkeypatch.chdir(tmp_path)
    (tmp_path / "saved").mkdir()
    kinds = {
        text: ModelSpec.parse(text).kind
        for text in ("auto", "base", "tiny", "small", "saved", "./gone", "/abs/x", "~/x", "google/mt5-base")
    }
    assert kinds == {
        "auto": ModelKind.AUTO, "base": ModelKind.BASE, "tiny": ModelKind.TINY, "small": ModelKind.SMALL,
        "saved": ModelKind.PATH, "./gone": ModelKind.PATH, "/abs/x": ModelKind.PATH, "~/x": ModelKind.PATH,
        "google/mt5-base": ModelKind.HUB,
    }  # fmt: skip
    fresh = [t for t in kinds if ModelSpec.parse(t).is_fresh]
    embedded = [t for t in kinds if ModelSpec.parse(t).is_embedded]
    assert fresh == ["tiny", "small"] and embedded == ["auto", "base", "tiny", "small"]
    assert ModelSpec.parse("small").fresh_size == "small" and str(ModelSpec.parse("saved")) == "saved"
    ws = Workspace(tmp_path / "ws")
    assert ModelSpec.parse("auto").resolve(ws).kind is ModelKind.TINY
    ws.base_model_dir.mkdir(parents=True)
    (ws.base_model_dir / BASE_INFO_FILE).write_text("{}")
    assert ModelSpec.parse("auto").resolve(ws).kind is ModelKind.BASE
    assert ModelSpec.parse("tiny").resolve(ws).kind is ModelKind.TINY
    with pytest.raises(UsageError, match="empty"):
        ModelSpec.parse("")
    # The recipe follows the spec: the paper's for hub ids, the CPU one for embedded models and saved dirs.
    assert default_config("google/mt5-base").optim.lr == 5e-3
    assert default_config("saved").optim.lr == default_config("base").optim.lr == 3e-4
    assert default_config(ModelSpec.parse("tiny")).optim.lr == 1.5e-3


@pytest.mark.parametrize("weights", ["model.safetensors", "adapter.safetensors"])
def test_load_model_refuses_a_pickle_beside_safetensors(
    tmp_path: Path, tokenizer_dir: Path, monkeypatch: pytest.MonkeyPatch, weights: str
) -> None:
    """A saved folder holding pytorch_model.bin is refused in one line naming folder, file and fix; no
    torch.load runs (today's check let it through, and transformers then unpickled the .bin)."""
    import torch

    tok = load_tokenizer(tokenizer_dir)
    model = build_tiny_model(tiny_config("tiny", len(tok), **SMALL_SIZES), seed=2)
    out = save_checkpoint(model, tok, tmp_path / "ckpt")
    torch.save(model.state_dict(), out / "pytorch_model.bin")
    if weights != "model.safetensors":
        (out / "model.safetensors").rename(out / weights)
    loads: list[object] = []
    real_load = torch.load
    monkeypatch.setattr(torch, "load", lambda *a, **k: loads.append(a) or real_load(*a, **k))
    with pytest.raises(InputError) as error:
        load_model(out)
    assert str(out) in error.value.message and "pytorch_model.bin" in error.value.message
    assert "safetensors" in (error.value.hint or "") and "\n" not in str(error.value)
    assert loads == []
    (out / "pytorch_model.bin").unlink()
    if weights == "model.safetensors":
        assert torch.equal(load_model(out).model.lm_head.weight, model.lm_head.weight)
    else:
        with pytest.raises(InputError, match=r"no config\.json or model\.safetensors"):
            load_model(out)
