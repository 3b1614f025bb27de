"""The explorer's data: what it offers, and how it is packed."""

import json

import numpy as np

from deeprg import explorer


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
