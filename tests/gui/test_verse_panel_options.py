"""The verse panel's spin boxes and the saved settings take their ranges from the request options'
one declaration (core.request_options), and the panel's summary shows core.plan's plan."""

from __future__ import annotations

from poetpad.core.request_options import REQUEST_OPTIONS
from poetpad.gui.settings import Settings
from poetpad.gui.verse_panel import VersePanel


def test_the_panel_s_ranges_are_the_declared_ones(qtbot):
    panel = VersePanel()
    qtbot.addWidget(panel)
    spins = {"temperature": panel.temperature, "top_k": panel.top_k, "top_p": panel.top_p, "n": panel.candidates,
             "seed": panel.seed}
    for name, spin in spins.items():
        option = REQUEST_OPTIONS[name]
        assert (spin.minimum(), spin.maximum()) == (option.low, option.high), name
    assert (panel.beam.minimum(), panel.beam.maximum()) == (1, REQUEST_OPTIONS["beam"].high)  # a width
    panel.beam_radio.setChecked(True)
    for spin in (*spins.values(), panel.beam):  # a request at either end of every range is a valid request
        for value in (spin.minimum(), spin.maximum()):
            spin.setValue(value)
            panel.fixed_seed.setChecked(True)
            request = panel.request("床前明月光，")
            request.validate()


def test_settings_are_read_back_into_the_declared_ranges():
    decode = Settings.from_dict({"decode": {"temperature": 9.0, "top_p": 0.0, "top_k": 9999, "beam": 0,
                                            "candidates": 99, "rhyme_system": "guangyun", "tones": "hard",
                                            "seed": 2**40}}).decode
    assert (decode.temperature, decode.top_p, decode.top_k, decode.beam, decode.candidates) == (3.0, 0.05, 500, 1, 32)
    assert (decode.rhyme_system, decode.tones, decode.seed) == ("pingshui", "auto", None)
    kept = Settings.from_dict({"decode": {"temperature": 1.5, "top_k": 0, "candidates": 7, "rhyme_system": "xinyun",
                                          "tones": "strict", "seed": 12}}).decode
    assert (kept.temperature, kept.top_k, kept.candidates, kept.rhyme_system, kept.tones, kept.seed) == \
        (1.5, 0, 7, "xinyun", "strict", 12)


def test_the_summary_shows_the_core_s_plan(qtbot):
    panel = VersePanel()
    qtbot.addWidget(panel)
    planned = panel.plan("白日依山尽\n")  # a line break without a comma: the core writes a 五绝 too
    assert (planned.mode, planned.shown_form) == ("next", "5x4")
    assert panel.summary_parts(planned)[:2] == [panel.mode_text("next"), panel.form_text("5x4")]
