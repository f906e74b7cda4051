"""The map and chart palettes stay apart for colour-blind readers.

Each palette is passed through Machado, Oliveira & Fernandes' (2009) simulation of
protanopia, deuteranopia and tritanopia (severity 1.0, applied to linear RGB); every pair
of colours must stay at least `MIN_DELTA_E` apart (CIE76, in CIELAB).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from agora import palettes

MACHADO = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}
MIN_DELTA_E = 12.0


def _linear(hex_colour: str) -> np.ndarray:
    srgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _seen(hex_colour: str, vision: str | None) -> np.ndarray:
    linear = _linear(hex_colour)
    if vision:
        linear = np.clip(np.array(MACHADO[vision]) @ linear, 0, 1)
    return _lab(linear)


def closest_pair(colours: list[str], vision: str | None) -> float:
    return min(float(np.linalg.norm(_seen(a, vision) - _seen(b, vision))) for a, b in
               itertools.combinations(colours, 2))


PALETTES = {
    "status": list(palettes.STATUS_COLOURS.values()),
    "ownership": list(palettes.OWNERSHIP_COLOURS.values()),
    "assets": list(palettes.ASSET_COLOURS.values()),
    "shop mix": list(palettes.SHOP_MIX_COLOURS.values()),
    "goodness": palettes.GOODNESS_COLOURS,
}


@pytest.mark.parametrize("vision", [None, *MACHADO])
@pytest.mark.parametrize("name", list(PALETTES))
def test_palette_colours_stay_apart(name, vision):
    assert closest_pair(PALETTES[name], vision) >= MIN_DELTA_E


def test_the_simulation_tells_a_red_green_palette_apart():
    # ColorBrewer RdYlGn's middle classes, which deuteranopes confuse
    assert closest_pair(["#fdae61", "#a6d96a"], None) >= MIN_DELTA_E
    assert closest_pair(["#fdae61", "#a6d96a"], "deuteranopia") < MIN_DELTA_E


def test_maps_use_the_shared_palettes():
    from agora.report import charts
    from agora.ui import maps

    assert maps.STATUS_COLOURS is palettes.STATUS_COLOURS is charts.STATUS_COLOURS
    assert maps.ASSET_COLOURS is palettes.ASSET_COLOURS
