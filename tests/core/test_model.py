import pytest
import torch
from torch import nn

from poetpad.core.model import PRESETS, ModelConfig, PoetLM, preset_config, select_state
from poetpad.errors import ModelFileError


def tiny(cell="lstm", tied=False, embedding=8, hidden=16, layers=2, vocab_size=11, dropout=0.3, seed=0) -> PoetLM:
    torch.manual_seed(seed)
    config = ModelConfig(vocab_size=vocab_size, cell=cell, embedding=embedding, hidden=hidden, layers=layers,
                         dropout=dropout, tied=tied)
    return PoetLM(config).eval()


def lstm_params(inputs: int, hidden: int) -> int:
    # PyTorch keeps two bias vectors (b_ih, b_hh) per gate; Keras keeps one.
    return 4 * (inputs * hidden + hidden * hidden + hidden + hidden)


def gru_params(inputs: int, hidden: int) -> int:
    # Same as Keras GRU(reset_after=True), TensorFlow 2's default: two bias vectors.
    return 3 * (inputs * hidden + hidden * hidden + hidden + hidden)


# -- forward vs step -----------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("tied,embedding,hidden", [(False, 8, 16), (True, 8, 16), (True, 16, 16)])
def test_step_by_step_matches_forward(cell, tied, embedding, hidden):
    model = tiny(cell=cell, tied=tied, embedding=embedding, hidden=hidden)
    assert (model.proj is not None) == (tied and embedding != hidden)
    x = torch.randint(0, 11, (3, 7), generator=torch.Generator().manual_seed(1))
    full, full_state = model(x)
    assert full.shape == (3, 7, 11)

    state = model.init_state(3)
    for t in range(7):
        logits, state = model.step(x[:, t], state)
        assert logits.shape == (3, 11)
        torch.testing.assert_close(logits, full[:, t], atol=1e-5, rtol=0)
    if cell == "lstm":
        for got, want in zip(state, full_state, strict=True):
            torch.testing.assert_close(got, want, atol=1e-5, rtol=0)
    else:
        torch.testing.assert_close(state, full_state, atol=1e-5, rtol=0)


def test_step_follows_weights_that_change_after_it_ran():
    # The one-token LSTM step joins the layer weights once; training, loading or an in-place edit
    # must not leave it decoding with the old ones.
    model = tiny(dropout=0.0)
    x = torch.randint(0, 11, (2, 3), generator=torch.Generator().manual_seed(3))
    model.step(x[:, 0], model.init_state(2))
    with torch.no_grad():
        model.rnn.weight_hh_l1.mul_(-2.0)
        model.rnn.bias_ih_l0.add_(0.5)
    other = tiny(dropout=0.0, seed=9)
    model.embed.load_state_dict(other.embed.state_dict())
    full, _ = model(x)
    state = model.init_state(2)
    for t in range(3):
        logits, state = model.step(x[:, t], state)
        torch.testing.assert_close(logits, full[:, t], atol=1e-5, rtol=0)


def test_step_under_bf16_autocast_keeps_float32_state():
    model = tiny(dropout=0.0)
    tokens = torch.tensor([1, 5])
    plain, _ = model.step(tokens, model.init_state(2))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        cast, state = model.step(tokens, tuple(s.bfloat16() for s in model.init_state(2)))
    assert all(s.dtype == torch.float32 for s in state)
    torch.testing.assert_close(cast.float(), plain, atol=1e-6, rtol=0)


def test_a_step_of_many_rows_takes_bf16_products_where_the_cpu_has_them(monkeypatch):
    from poetpad.core import cpu
    from poetpad.core.model import BF16_STEP_ROWS

    model = tiny(dropout=0.0, vocab_size=11, embedding=16, hidden=32)
    x = torch.randint(0, 11, (BF16_STEP_ROWS, 4), generator=torch.Generator().manual_seed(4))
    full, _ = model(x)
    monkeypatch.setattr(cpu, "cpu_bf16", lambda: "")
    exact, _ = model.step(x[:, 0], model.init_state(BF16_STEP_ROWS))
    torch.testing.assert_close(exact, full[:, 0], atol=1e-5, rtol=0)
    monkeypatch.setattr(cpu, "cpu_bf16", lambda: "AMX")
    state = model.init_state(BF16_STEP_ROWS)
    for t in range(4):
        logits, state = model.step(x[:, t], state)
        assert state[0].dtype == torch.float32
        torch.testing.assert_close(logits, full[:, t], atol=0.03, rtol=0)  # bf16 products: close, not exact
        if t == 0:
            assert not torch.equal(logits, exact)
    fewer, _ = model.step(x[:2, 0], model.init_state(2))  # below BF16_STEP_ROWS: float32, exact
    torch.testing.assert_close(fewer, full[:2, 0], atol=1e-5, rtol=0)


def test_step_from_no_state_equals_step_from_zero_state():
    model = tiny()
    tokens = torch.tensor([1, 5, 7])
    a, _ = model.step(tokens, None)
    b, _ = model.step(tokens, model.init_state(3))
    torch.testing.assert_close(a, b, atol=0, rtol=0)


def test_forward_continues_from_a_state():
    model = tiny(cell="gru")
    x = torch.randint(0, 11, (2, 8), generator=torch.Generator().manual_seed(2))
    whole, _ = model(x)
    _, mid = model(x[:, :5])
    rest, _ = model(x[:, 5:], mid)
    torch.testing.assert_close(rest, whole[:, 5:], atol=1e-5, rtol=0)


def test_step_does_not_track_gradients():
    model = tiny()
    logits, _ = model.step(torch.tensor([4]))
    assert not logits.requires_grad


def test_init_state_shapes():
    lstm = tiny(cell="lstm", layers=2, hidden=16)
    h, c = lstm.init_state(5)
    assert h.shape == c.shape == (2, 5, 16)
    assert h.abs().sum().item() == 0 and c.abs().sum().item() == 0
    gru = tiny(cell="gru", layers=3, hidden=16)
    assert gru.init_state(4).shape == (3, 4, 16)


def test_select_state_reorders_rows():
    model = tiny()
    _, state = model(torch.tensor([[1], [2], [3]]))
    picked = select_state(state, torch.tensor([2, 2, 0]))
    for got, src in zip(picked, state, strict=True):
        torch.testing.assert_close(got, src[:, [2, 2, 0]], atol=0, rtol=0)
    gru_state = torch.arange(12.0).view(1, 3, 4)
    torch.testing.assert_close(select_state(gru_state, torch.tensor([1])), gru_state[:, [1]], atol=0, rtol=0)


def test_dropout_is_active_in_training_mode_only():
    model = tiny(dropout=0.5)
    x = torch.randint(0, 11, (4, 6), generator=torch.Generator().manual_seed(3))
    eval_a, _ = model(x)
    eval_b, _ = model(x)
    torch.testing.assert_close(eval_a, eval_b, atol=0, rtol=0)
    model.train()
    torch.manual_seed(0)
    train_a, _ = model(x)
    assert not torch.allclose(train_a, eval_a)


# -- tied weights and parameter counts ------------------------------------------------------------

def test_tied_head_shares_the_embedding_and_counts_it_once():
    model = tiny(tied=True, embedding=8, hidden=16, layers=1, vocab_size=11)
    assert model.head.weight is model.embed.weight
    expected = 11 * 8 + lstm_params(8, 16) + 16 * 8 + 11  # embedding, LSTM, projection, head bias
    assert model.num_parameters() == expected


def test_untied_parameter_count():
    model = tiny(cell="gru", tied=False, embedding=8, hidden=16, layers=2, vocab_size=11)
    assert model.head.weight is not model.embed.weight
    assert model.proj is None
    expected = 11 * 8 + gru_params(8, 16) + gru_params(16, 16) + 16 * 11 + 11
    assert model.num_parameters() == expected


def test_init_false_keeps_the_architecture_but_skips_custom_init():
    plain = PoetLM(ModelConfig(vocab_size=11, embedding=8, hidden=16, layers=1, tied=True), init=False)
    assert plain.head.weight is plain.embed.weight
    assert plain.num_parameters() == tiny(tied=True, layers=1).num_parameters()
    bias = plain.rnn.bias_ih_l0 + plain.rnn.bias_hh_l0
    assert bias[16:32].tolist() != [1.0] * 16  # PyTorch's default, not the forget-gate init


def test_lstm_forget_gate_bias_starts_at_one():
    model = tiny(cell="lstm", hidden=16, layers=1)
    total = model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0  # gates i, f, g, o
    assert total[16:32].tolist() == [1.0] * 16
    assert total[:16].abs().sum().item() == 0 and total[32:].abs().sum().item() == 0


# -- presets -------------------------------------------------------------------------------------

def test_seed_preset_is_the_keras_poem_model():
    vocab_size = 100
    config = preset_config("seed", vocab_size)
    assert (config.cell, config.embedding, config.hidden, config.layers, config.dropout, config.tied) == \
        ("lstm", 128, 128, 2, 0.5, False)
    model = PoetLM(config)
    assert isinstance(model.rnn, nn.LSTM)
    assert (model.rnn.input_size, model.rnn.hidden_size, model.rnn.num_layers) == (128, 128, 2)
    assert model.rnn.dropout == 0.5 and model.drop.p == 0.5
    assert model.embed.weight.shape == (vocab_size, 128)
    assert (model.head.in_features, model.head.out_features) == (128, vocab_size)
    assert model.proj is None and model.head.weight is not model.embed.weight

    embedding = vocab_size * 128
    lstm1 = 4 * (128 * 128 + 128 * 128 + 2 * 128)  # 132,096: kernel, recurrent kernel, b_ih + b_hh
    lstm2 = 4 * (128 * 128 + 128 * 128 + 2 * 128)
    dense = 128 * vocab_size + vocab_size
    assert model.num_parameters() == embedding + lstm1 + lstm2 + dense == 289_892
    # Keras has one bias vector per LSTM layer, so its summary shows 4 * 128 fewer per layer.
    keras_total = 12_800 + 131_584 + 131_584 + 12_900
    assert model.num_parameters() - keras_total == 2 * 4 * 128


def test_tensorflow_shakespeare_gru_is_expressible():
    # The TensorFlow text-generation tutorial: Embedding(66, 256) → GRU(1024) → Dense(66).
    config = ModelConfig(vocab_size=66, cell="gru", embedding=256, hidden=1024, layers=1, dropout=0.0, tied=False)
    config.validate()
    model = PoetLM(config, init=False).eval()  # the orthogonal init of 1024x1024 blocks takes seconds
    assert isinstance(model.rnn, nn.GRU)
    assert (model.rnn.hidden_size, model.rnn.num_layers, model.rnn.input_size) == (1024, 1, 256)
    assert model.num_parameters() == 66 * 256 + gru_params(256, 1024) + 1024 * 66 + 66 == 4_022_850
    logits, state = model(torch.tensor([[1, 2, 3]]))
    assert logits.shape == (1, 3, 66) and state.shape == (1, 1, 1024)


def test_preset_overrides_and_unknown_preset():
    config = preset_config("small", 50, hidden=64, layers=None)
    assert (config.hidden, config.layers, config.embedding, config.tied) == (64, 2, 256, True)
    assert set(PRESETS) >= {"seed", "small", "medium", "large"}
    with pytest.raises(ModelFileError, match="Unknown preset 'huge'"):
        preset_config("huge", 50)
    with pytest.raises(ModelFileError, match="dropout"):
        preset_config("seed", 50, dropout=1.0)


# -- config validation ---------------------------------------------------------------------------

def test_config_dict_round_trip_ignores_format():
    config = ModelConfig(vocab_size=40, cell="gru", embedding=8, hidden=16, layers=3, dropout=0.1, tied=True)
    data = dict(config.to_dict(), format=1)
    assert ModelConfig.from_dict(data) == config
    assert ModelConfig.from_dict({"vocab_size": 40}) == ModelConfig(vocab_size=40)


@pytest.mark.parametrize("changes,field", [
    ({"colour": "red"}, "colour"),
    ({"cell": "transformer"}, "cell"),
    ({"cell": None}, "cell"),
    ({"embedding": -8}, "embedding"),
    ({"embedding": 0}, "embedding"),
    ({"hidden": -1}, "hidden"),
    ({"hidden": 8193}, "hidden"),
    ({"layers": 0}, "layers"),
    ({"layers": 17}, "layers"),
    ({"vocab_size": 4}, "vocab_size"),
    ({"vocab_size": -5}, "vocab_size"),
    ({"dropout": 1.0}, "dropout"),
    ({"dropout": -0.1}, "dropout"),
    ({"dropout": float("nan")}, "dropout"),
    ({"dropout": "0.1"}, "dropout"),
    ({"dropout": True}, "dropout"),
    ({"vocab_size": True}, "vocab_size"),
    ({"hidden": False}, "hidden"),
    ({"layers": 2.0}, "layers"),
    ({"embedding": "8"}, "embedding"),
    ({"tied": 1}, "tied"),
    ({"tied": "yes"}, "tied"),
])
def test_from_dict_rejects_bad_fields(changes, field):
    data = dict(vocab_size=40, cell="lstm", embedding=8, hidden=16, layers=2, dropout=0.2, tied=False)
    data.update(changes)
    with pytest.raises(ModelFileError, match=f"'{field}'"):
        ModelConfig.from_dict(data)


@pytest.mark.parametrize("data,message", [
    ([1, 2], "not a JSON object"),
    ({"cell": "lstm"}, "lacks 'vocab_size'"),
])
def test_from_dict_rejects_non_objects_and_missing_vocab_size(data, message):
    with pytest.raises(ModelFileError, match=message):
        ModelConfig.from_dict(data)


def test_validate_and_model_construction_reject_a_bad_config():
    config = ModelConfig(vocab_size=40, hidden=0)
    with pytest.raises(ModelFileError, match="'hidden' is out of range"):
        config.validate()
    with pytest.raises(ModelFileError, match="'hidden'"):
        PoetLM(config)
    ModelConfig(vocab_size=40, dropout=0).validate()  # an int 0 is a fine dropout


@pytest.mark.parametrize("overrides", [
    dict(cell="lstm", embedding=8, hidden=16, layers=1, tied=False),
    dict(cell="gru", embedding=8, hidden=16, layers=3, tied=True),
    dict(cell="lstm", embedding=16, hidden=16, layers=2, tied=True),
    dict(cell="gru", embedding=12, hidden=20, layers=2, tied=False),
])
def test_parameter_shapes_match_the_built_network(overrides):
    from poetpad.core.model import ModelConfig, PoetLM, parameter_shapes

    config = ModelConfig(vocab_size=37, dropout=0.0, **overrides)
    built = {k: tuple(v.shape) for k, v in PoetLM(config, init=False).state_dict().items()}
    assert parameter_shapes(config) == built


# -- the adaptive softmax (issue 12) ----------------------------------------------------------------

def adaptive(tied=False, cell="lstm", vocab_size=40, cutoffs=(8, 20), embedding=8, hidden=16, seed=0) -> PoetLM:
    torch.manual_seed(seed)
    config = ModelConfig(vocab_size=vocab_size, cell=cell, embedding=embedding, hidden=hidden, layers=2,
                         dropout=0.0, tied=tied, output="adaptive", cutoffs=list(cutoffs))
    return PoetLM(config).eval()


@pytest.mark.parametrize("tied", [False, True])
def test_adaptive_scores_are_exact_log_probabilities_and_step_matches_forward(tied):
    model = adaptive(tied=tied)
    with torch.no_grad():  # random weights everywhere, so no cluster is uniform by accident
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.5)
    x = torch.randint(0, 40, (3, 6), generator=torch.Generator().manual_seed(1))
    scores, _ = model(x)
    assert scores.shape == (3, 6, 40)
    torch.testing.assert_close(scores.exp().sum(-1), torch.ones(3, 6), atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.log_softmax(scores, -1), scores, atol=1e-5, rtol=0)  # what decoding does
    # p(w) = p(cluster of w) p(w | cluster), computed here the long way for one row.
    feats, _ = model.features(x)
    h = feats[0, 0]
    head = torch.log_softmax(torch.cat([model.head.weight[:8] @ h + model.head.bias[:8],
                                        model.head.cluster_weight @ h + model.head.cluster_bias]), -1)
    tail = torch.log_softmax(model.head.weight[20:] @ h + model.head.bias[20:], -1)
    torch.testing.assert_close(scores[0, 0, 25], head[9] + tail[5], atol=1e-5, rtol=0)
    state = model.init_state(3)
    for t in range(6):
        step, state = model.step(x[:, t], state)
        torch.testing.assert_close(step, scores[:, t], atol=1e-5, rtol=0)


@pytest.mark.parametrize("output", ["full", "adaptive"])
def test_loss_is_the_summed_cross_entropy_of_the_scores_without_padding(output):
    model = adaptive() if output == "adaptive" else tiny(vocab_size=40, layers=2, dropout=0.0)
    x = torch.randint(0, 40, (2, 9), generator=torch.Generator().manual_seed(4))
    y = torch.randint(0, 40, (2, 9), generator=torch.Generator().manual_seed(5))
    y[0, :3] = 0  # <pad> targets are not scored
    y[1, 0], y[1, 1], y[1, 2] = 7, 8, 39  # the last shortlist id, the first of a cluster, the very last id
    scores, _ = model(x)
    expected = torch.nn.functional.cross_entropy(scores.reshape(-1, 40), y.reshape(-1), ignore_index=0,
                                                 reduction="sum")
    torch.testing.assert_close(model.loss(x, y), expected, atol=1e-4, rtol=1e-5)


def test_adaptive_loss_trains_every_part_of_the_layer():
    model = adaptive(tied=True).train()
    x = torch.randint(0, 40, (4, 10), generator=torch.Generator().manual_seed(6))
    y = torch.arange(40).roll(3).repeat(1)[:40].view(4, 10)  # every id once: every cluster has targets
    model.loss(x, y).backward()
    head = model.head
    assert head.weight is model.embed.weight
    for name in ("weight", "bias", "cluster_weight", "cluster_bias"):
        grad = getattr(head, name).grad
        assert grad is not None and grad.abs().sum() > 0, name
    assert head.bias.grad[20:].abs().sum() > 0  # the last cluster's rows learn from its targets


def test_adaptive_starts_near_uniform_like_the_full_softmax():
    model = adaptive(vocab_size=200, cutoffs=(16, 80), embedding=8, hidden=16)
    scores, _ = model(torch.tensor([[5, 6, 7]]))
    assert scores.exp().max() < 3 / 200 and scores.exp().min() > 1 / (3 * 200)


@pytest.mark.parametrize("overrides", [
    dict(tied=False, output="adaptive", cutoffs=[8, 20]),
    dict(tied=True, output="adaptive", cutoffs=[12]),
    dict(tied=True, embedding=16, output="adaptive", cutoffs=[4, 10, 30]),
])
def test_parameter_shapes_cover_the_adaptive_layer(overrides):
    from poetpad.core.model import parameter_shapes

    config = ModelConfig(**dict(dict(vocab_size=37, dropout=0.0, embedding=8, hidden=16), **overrides))
    built = {k: tuple(v.shape) for k, v in PoetLM(config, init=False).state_dict().items()}
    assert parameter_shapes(config) == built
    assert built["head.cluster_weight"] == (len(config.cutoffs), config.features)


def test_default_cutoffs_and_the_auto_choice():
    from poetpad.core.modelconfig import ADAPTIVE_MIN_VOCAB, default_cutoffs, output_layer

    assert default_cutoffs(9834) == [984, 3936]  # a tenth and four tenths, in multiples of 8
    assert default_cutoffs(100) == [10, 40]
    for size in (5, 6, 9, 40, 399, 400, 2000, 123_457):
        cuts = default_cutoffs(size)
        ModelConfig(vocab_size=size, output="adaptive", cutoffs=cuts).validate()
    assert output_layer("auto", ADAPTIVE_MIN_VOCAB - 1) == ("full", [])
    assert output_layer("auto", ADAPTIVE_MIN_VOCAB)[0] == "adaptive"
    assert output_layer("full", 50_000) == ("full", [])
    assert output_layer("adaptive", 73) == ("adaptive", [7, 29])
    with pytest.raises(ModelFileError, match="Unknown softmax"):
        output_layer("sampled", 100)


@pytest.mark.parametrize("changes,message", [
    (dict(output="adaptive", cutoffs=[]), "1 to 8"),
    (dict(output="adaptive", cutoffs=[3, 10]), "must rise strictly from at least 4"),
    (dict(output="adaptive", cutoffs=[10, 40]), "below vocab_size"),
    (dict(output="adaptive", cutoffs=[10, 10]), "must rise"),
    (dict(output="adaptive", cutoffs=[10.0]), "whole numbers"),
    (dict(output="adaptive", cutoffs="10"), "whole numbers"),
    (dict(output="full", cutoffs=[10]), "must be empty"),
    (dict(output="hierarchical"), "'output'"),
])
def test_bad_output_layers_are_refused(changes, message):
    data = dict(vocab_size=40, cell="lstm", embedding=8, hidden=16, layers=2, dropout=0.2, tied=False, **changes)
    with pytest.raises(ModelFileError, match=message):
        ModelConfig.from_dict(data)


# -- the CPU dropout (issue 12) ------------------------------------------------------------------------

def test_cpu_dropout_drops_the_rounded_share_and_keeps_the_expectation():
    from poetpad.core.model import dropout

    torch.manual_seed(0)
    x = torch.ones(200, 1000)
    for p, share in ((0.25, 0.25), (0.1, 26 / 256), (0.5, 0.5)):
        out = dropout(x, p, True)
        dropped = float((out == 0).float().mean())
        assert dropped == pytest.approx(share, abs=0.005)
        assert float(out.mean()) == pytest.approx(1.0, abs=0.01)
        assert torch.unique(out).tolist() == pytest.approx([0.0, 256 / (256 - round(p * 256))])
    assert dropout(x, 0.3, False) is x and dropout(x, 0.0, True) is x
    bf16 = dropout(x.bfloat16(), 0.25, True)
    assert bf16.dtype == torch.bfloat16 and bf16.shape == x.shape


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_training_runs_the_layers_one_by_one_with_the_same_arithmetic(cell, monkeypatch):
    from poetpad.core import model as model_module

    monkeypatch.setattr(model_module, "dropout", lambda x, p, training: x)  # the masks aside
    torch.manual_seed(0)
    model = PoetLM(ModelConfig(vocab_size=30, cell=cell, embedding=8, hidden=16, layers=3, dropout=0.3)).train()
    x = model.embed(torch.randint(0, 30, (4, 9)))
    state = model.init_state(4)
    state = tuple(s + 0.1 for s in state) if cell == "lstm" else state + 0.1
    ours, ours_state = model._recur(x, state)
    model.rnn.dropout = 0.0  # nn.LSTM/nn.GRU itself, without its dropout between layers
    theirs, theirs_state = model.rnn(x, state)
    torch.testing.assert_close(ours, theirs, atol=0, rtol=0)
    for a, b in zip(ours_state if cell == "lstm" else [ours_state], theirs_state if cell == "lstm" else [theirs_state],
                    strict=True):
        torch.testing.assert_close(a, b, atol=0, rtol=0)
