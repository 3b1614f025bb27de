"""The explorer's data: what it offers, and how it is packed."""

import json

import numpy as np

from deeprg import experiments, explorer, fmt, sweep


def test_ojs_script_is_json_that_cannot_close_its_script():
    script = explorer.ojs_script(values=[1, "</script>"])
    body = script[len('<script type="ojs-define">'):-len("</script>")]
    assert "</" not in body
    assert json.loads(body) == {"contents": [{"name": "values", "value": [1, "</script>"]}]}


def test_points_quantise_the_fields_they_offer():
    points = explorer.points()
    layers = {(p["layer"], p["epoch"]) for p in points}
    assert (1, 1) in layers and (3, 200) in layers
    for p in points[:5]:
        fields = explorer.dequantised(p)
        assert fields.shape == (p["units"], 1600)
        assert np.isclose(np.abs(fields).max(), p["scale"], rtol=1e-6)
    assert len({(p["T"], p["penalty"], p["alpha"], p["layer"], p["epoch"]) for p in points}) == len(points)


def test_scale_text_prints_two_figures_without_exponents_in_the_usual_range():
    assert explorer.scale_text(239.132) == "240"
    assert explorer.scale_text(1055.01) == "1100"
    assert explorer.scale_text(0.439882) == "0.44"
    assert explorer.scale_text(0.00123) == "0.0012"
    assert explorer.scale_text(-240) == "\u2212240"
    assert explorer.scale_text(2.0) == "2"
    assert explorer.scale_text(2.4e-4) == "2.4×10⁻⁴"
    assert explorer.scale_text(1.2e5) == "1.2×10⁵"
    assert "e" not in explorer.scale_text(9999.0)


def test_points_carry_the_books_formatting():
    for p in explorer.points():
        for key in ("locality_text", "participation_text"):
            text = p[key]
            assert "±" in text and "e" not in text
            value, error = text.split("\u00a0±\u00a0")
            assert float(error) > 0, (key, text)  # never "± 0.000"
            assert len(value.split(".")[-1]) == len(error.split(".")[-1])  # the same decimal place (PDG)
        assert p["scale_text"] == explorer.scale_text(p["scale"])


def test_pm_formatting_matches_the_book():
    point = explorer._point(2.451, "l1", 2e-4, 1, 20, np.zeros((1, 1600), np.int8), 1.0,
                            (0.0204, 0.00031), (0.338561, 0.00122577))
    assert point["locality_text"] == "0.02040\u00a0±\u00a00.00031"
    assert point["participation_text"] == "0.3386\u00a0±\u00a00.0012"


def test_the_explorer_opens_on_the_papers_network():
    points = explorer.points()
    values = explorer.ojs_values(points, explorer.locality_curves())
    paper = values["explorer_default"]
    assert paper == {"penalty": "l1", "alpha": experiments.PAPER_RBM["alpha"], "T": experiments.PAPER_T,
                     "layer": 1, "epoch": experiments.PAPER_RBM["n_iter"]}
    assert any(explorer.setting(p) == paper for p in points)
    names = [p["name"] for p in values["explorer_presets"]]
    assert names == ["the paper's network", "no penalty"]  # the explorer has no scikit-learn network
    assert values["explorer_presets"][0]["setting"] == paper
    assert values["explorer_presets"][1]["setting"] == paper | {"penalty": "none", "alpha": 0.0}


def test_closest_falls_back_to_the_nearest_setting():
    points = explorer.points()
    # no unpenalised network was trained for 200 epochs at T = 2
    wanted = {"penalty": "l1", "alpha": 2e-4, "T": 2.0, "layer": 1, "epoch": 200}
    assert explorer.closest(points, wanted, penalty="none") == {"penalty": "none", "alpha": 0.0, "T": 2.0,
                                                               "layer": 1, "epoch": 20}


def test_the_shared_scale_is_the_largest_of_each_layer():
    points = explorer.points()
    values = explorer.ojs_values(points, explorer.locality_curves())
    shared = values["explorer_shared_scale"]
    layers = sorted({p["layer"] for p in points})
    assert sorted(shared) == [str(layer) for layer in layers]
    for layer in layers:
        largest = max(p["scale"] for p in points if p["layer"] == layer)
        assert shared[str(layer)]["value"] == largest == explorer.shared_scale(points)[layer]
        assert shared[str(layer)]["text"] == explorer.scale_text(largest)
    # a deeper layer's fields are products of weight matrices: one scale for all would wash out layer 1
    assert shared["1"]["value"] < shared[str(layers[-1])]["value"] / 10


def test_the_inset_applies_only_to_its_own_setting():
    curves = explorer.locality_curves()
    values = explorer.ojs_values(explorer.points(), curves)
    for p in values["explorer_points"]:
        at_curve = (p["layer"], p["epoch"], p["T"]) == (1, sweep.N_EPOCHS, experiments.PAPER_T)
        if not at_curve:
            assert p["curve"] is None
        elif p["penalty"] == "none":
            assert p["curve"] == "band"
        else:
            assert p["curve"] == "point"
            assert any((c["penalty"], c["alpha"]) == (p["penalty"], p["alpha"]) for c in curves)
    assert values["explorer_curve_setting"] == {"layer": 1, "epoch": sweep.N_EPOCHS, "T": experiments.PAPER_T}
