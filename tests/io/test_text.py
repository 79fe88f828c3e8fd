"""dualion.io.text: encodings detected or refused in one line; duplicate YAML keys refused."""

from __future__ import annotations

import codecs

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualion.errors import DualionUserError
from dualion.io.text import detect_encoding, load_yaml, load_yaml_all, read_text, read_yaml, sniff_encoding, utf8_copy

# printable text in the Latin-1 range (so that every encoding below can hold it), with spaces and line breaks
LATIN1_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                             blacklist_categories=("Cc", "Cs", "Zs", "Cf")) | st.sampled_from(" \n\t"),
                      min_size=1, max_size=200)


@settings(max_examples=60, deadline=None)
@given(text=LATIN1_TEXT, how=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1"]))
def test_every_supported_encoding_round_trips(tmp_path_factory, text, how):
    data = text.encode(how)
    if how == "latin-1":
        try:
            data.decode("utf-8")
            how = "utf-8"          # these bytes are also valid UTF-8 (e.g. ASCII): UTF-8 wins, by design
        except UnicodeDecodeError:
            pass
    p = tmp_path_factory.mktemp("enc") / "f.txt"
    p.write_bytes(data)
    assert read_text(p) == data.decode(how)


def test_encodings_are_named(tmp_path):
    text = "time_s,voltage_V\n0,2.0\n"
    assert detect_encoding(text.encode()) == "utf-8"
    assert detect_encoding(codecs.BOM_UTF8 + text.encode()) == "utf-8-sig"
    assert detect_encoding(text.encode("utf-16")) == "utf-16"
    assert detect_encoding(text.encode("utf-16-le")) == "utf-16-le"
    assert detect_encoding(text.encode("utf-16-be")) == "utf-16-be"
    assert detect_encoding("# opérateur=Müller\n".encode("latin-1")) == "latin-1"
    # a UTF-8 multi-byte character cut at the end of a sniffed block is not an error
    assert detect_encoding("é".encode()[:1], partial=True) == "utf-8"


@pytest.mark.parametrize("data,word", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "zero byte"),
    (bytes(range(256)), "zero byte"),
    (b"abc\x01\x02def", "control character"),
    (b"\x81\x82\x83\x84 not text", "not UTF-8"),          # C1 controls in Latin-1: not plausible text
    (codecs.BOM_UTF16_LE + b"\x00\xd8", "invalid utf-16"),  # a lone surrogate
])
def test_binary_is_refused_in_one_line_naming_the_file(tmp_path, data, word):
    p = tmp_path / "runs.yaml"
    p.write_bytes(data)
    with pytest.raises(DualionUserError) as ei:
        read_text(p)
    msg = ei.value.one_line()
    assert "\n" not in msg and str(p) in msg and word in msg and "not a text file" in msg


def test_missing_and_folder(tmp_path):
    with pytest.raises(DualionUserError, match="file not found"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(DualionUserError, match="got a folder"):
        read_text(tmp_path)


def test_duplicate_keys_refused_with_file_key_and_line(tmp_path):
    p = tmp_path / "site.yaml"
    p.write_text("name: a\nhost: {label: h, energy: 0}\nconfigurations:\n  - {label: Li, energy: -1, energy: -2}\n")
    with pytest.raises(DualionUserError) as ei:
        read_yaml(p)
    msg = ei.value.one_line()
    assert str(p) in msg and "'energy'" in msg and "line 4" in msg and "duplicate key" in msg
    p.write_text("name: a\nions: [Li]\nname: b\n")
    with pytest.raises(DualionUserError, match=r"line 3: duplicate key 'name' \(first at line 1\)"):
        read_yaml(p)
    # multi-document files: each document is checked, and the same key in two documents is fine
    with pytest.raises(DualionUserError, match="duplicate key 'title'"):
        load_yaml_all("title: a\n---\ntitle: b\ntitle: c\n", "x.yaml")
    assert load_yaml_all("title: a\n---\ntitle: b\n") == [{"title": "a"}, {"title": "b"}]
    # merge keys and equal keys in different mappings are not duplicates
    assert load_yaml("base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\ne: {x: 3}\n") == {"base": {"x": 1}, "d": {"x": 1, "y": 2},
                                                                            "e": {"x": 3}}


def test_yaml_in_utf16_and_bom_reads_like_utf8(tmp_path):
    text = "name: Ti0.78□0.22 — test\nions: [Li, Mg]\n"
    want = load_yaml(text)
    for how in ("utf-16", "utf-8-sig"):
        p = tmp_path / f"{how}.yaml"
        p.write_bytes(text.encode(how))
        assert read_yaml(p) == want


def test_malformed_yaml_names_the_line(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("a: 1\nb: [2\n")
    with pytest.raises(DualionUserError, match="malformed YAML") as ei:
        read_yaml(p)
    assert "line" in ei.value.field


def test_utf8_copy_keeps_the_name_and_is_removed(tmp_path):
    p = tmp_path / "POSCAR"
    p.write_bytes("Ti O\n1.0\n".encode("utf-16"))
    with utf8_copy(p) as c:
        assert c.name == "POSCAR" and c != p and c.read_text(encoding="utf-8") == "Ti O\n1.0\n"
    assert not c.exists()
    q = tmp_path / "plain.csv"
    q.write_text("a,b\n")
    with utf8_copy(q) as c:
        assert c == q                    # plain UTF-8: the file itself, no copy


def _csv(rows: int = 12) -> str:
    body = "\n".join(f"{60 * k},{2.0 - 0.01 * k:.3f},-0.5" for k in range(rows))
    return f"# mass_mg=1.6\n# operator=Müller\ntime_s,voltage_V,current_mA\n{body}\n"


@pytest.mark.parametrize("how", ["utf-16", "utf-8-sig", "latin-1", "utf-16-le"])
def test_cycler_csv_in_any_encoding_reads_identically(tmp_path, how):
    from dualion.echem import read

    ref = tmp_path / "ref.csv"
    ref.write_text(_csv(), encoding="utf-8")
    p = tmp_path / f"cell_{how}.csv"
    p.write_bytes(_csv().encode(how))
    a, b = read(ref), read(p)
    assert np.array_equal(a.time_s, b.time_s) and np.array_equal(a.voltage_V, b.voltage_V)
    assert np.array_equal(a.current_mA, b.current_mA) and b.mass_mg == 1.6
    assert b.source == str(p)           # the user's file, not the temporary UTF-8 copy


def test_cycler_csv_errors_name_the_original_file_when_transcoded(tmp_path):
    from dualion.echem import read

    p = tmp_path / "nan16.csv"
    p.write_bytes(_csv().replace("60,1.990", "60,nan", 1).encode("utf-16"))
    with pytest.raises(DualionUserError) as ei:
        read(p)
    assert ei.value.file == str(p) and ei.value.field == "voltage_V"


def test_binary_cycler_csv_is_one_line(tmp_path):
    from dualion.echem import read

    p = tmp_path / "cell.csv"
    p.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DualionUserError, match="not a text file|binary") as ei:
        read(p)
    assert ei.value.file == str(p)


def test_maccor_export_in_utf16_reads_like_the_original(echem_dir, tmp_path):
    import warnings

    from dualion.echem import read

    src = echem_dir / "maccor_example.txt"
    p = tmp_path / "maccor16.txt"
    p.write_bytes(src.read_bytes().decode("latin-1").encode("utf-16"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the example's capacity-counter warning (tested elsewhere)
        a, b = read(src), read(p)
    assert b.meta["vendor"] == "Maccor"
    assert np.array_equal(a.time_s, b.time_s) and np.array_equal(a.current_mA, b.current_mA)


def test_structure_file_in_utf16_reads_like_utf8(tmp_path):
    from dualion.structures.writers import read_structure

    cif = ("data_x\n_cell_length_a 3.78\n_cell_length_b 3.78\n_cell_length_c 9.51\n_cell_angle_alpha 90\n"
           "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 1'\n"
           "_symmetry_equiv_pos_as_xyz 'x, y, z'\nloop_\n_atom_site_label\n_atom_site_type_symbol\n"
           "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nTi1 Ti 0 0 0\nO1 O 0 0 0.2081\n")
    a_p, b_p = tmp_path / "a.cif", tmp_path / "b.cif"
    a_p.write_text(cif)
    b_p.write_bytes(cif.encode("utf-16"))
    a, b = read_structure(a_p), read_structure(b_p)
    assert a.formula == b.formula and np.allclose(a.lattice.matrix, b.lattice.matrix)
    bad = tmp_path / "nan.cif"
    bad.write_text(cif.replace("_cell_length_a 3.78", "_cell_length_a nan"))
    with pytest.raises(DualionUserError):
        read_structure(bad)


def test_every_shared_data_file_is_read_as_text_or_refused_as_binary():
    """The encoding sniffer on every real file in ../shared/data: text formats decode (EC-Lab .mpt as Latin-1,
    for its µ), binary formats (.mpr, .res, .nda, .ndax, .ddp) are refused with the one-line error — never a
    wrong decode of a binary file, never a refusal of a text file."""
    from tests.conftest import shared_path

    root = shared_path("data")
    binary = {".mpr", ".res", ".nda", ".ndax", ".ddp"}
    seen = 0
    for p in sorted(q for q in root.rglob("*") if q.is_file()):
        seen += 1
        if p.suffix.lower() in binary:
            with pytest.raises(DualionUserError, match="not a text file"):
                read_text(p)
            continue
        text = read_text(p)
        assert text and "\x00" not in text, p
        if p.suffix == ".mpt":
            assert sniff_encoding(p) == "latin-1" and "µ" in text   # the EC-Lab trap: Latin-1 µ, not UTF-8
        else:
            assert sniff_encoding(p).replace("-sig", "") in ("utf-8", "ascii"), p
    assert seen >= 40
