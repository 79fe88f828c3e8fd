"""The NMR demo part: simulated series written as Bruker data sets and fitted back."""

import re

from dualion.nmr import demo


def test_demo_part_recovers_the_simulated_series(tmp_path):
    lines = demo.run(tmp_path)
    text = "\n".join(lines)
    assert "Simulated" in text or "simulated" in text
    rows = {m.group(1): (float(m.group(2)), float(m.group(3)), float(m.group(4)))
            for m in re.finditer(r"\| (\w+) \| \d+ \| (-?[\d.]+) \| (-?[\d.]+) ± [\d.]+ \| ([\d.]+) \|", text)}
    assert set(rows) == {"pristine", "EoD", "EoC"}
    assert abs(rows["pristine"][0] - 25.0) < 0.5 and abs(rows["EoD"][0] + 150.0) < 0.5  # the paper's values
    for true, fitted, dfrac in rows.values():
        assert abs(true - fitted) < 1.0 and dfrac < 0.01
    for name in ("nmr_series.png", "nmr_series.svg", "nmr_series.csv", "nmr_series.json", "nmr_fit_EoD.png"):
        assert (tmp_path / name).is_file()
    assert (tmp_path / "simulated_bruker" / "EoD" / "1" / "pdata" / "1" / "1r").is_file()
