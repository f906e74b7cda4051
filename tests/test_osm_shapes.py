"""OSM data in every shape exporters write it: tags become the columns the normalisers know."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from agora.loaders import LoadError, load_units, read_source
from agora.loaders.osm import parse_hstore

SHOPS = [
    ({"shop": "bakery", "name": "Crust", "brand": "Greggs", "brand:wikidata": "Q3403981", "addr:street": "High Street"},
     (-1.5490, 53.7990)),
    ({"shop": "vacant", "addr:street": "High Street"}, (-1.5491, 53.7991)),
    ({"disused:shop": "clothes", "addr:street": "Market Place"}, (-1.5492, 53.7992)),
    ({"amenity": "cafe", "name": "Bean There", "addr:street": "Market Place"}, (-1.5493, 53.7993)),
    ({"shop": "butcher", "name": "Local Meats", "not:brand:wikidata": "Q1"}, (-1.5494, 53.7994)),
]


def nested_geojson() -> bytes:
    """osmtogeojson's shape: properties.type / id / tags {...} / meta."""
    features = [{"type": "Feature", "id": f"node/{i}",
                 "properties": {"type": "node", "id": i, "tags": tags, "relations": [], "meta": {}},
                 "geometry": {"type": "Point", "coordinates": list(xy)}}
                for i, (tags, xy) in enumerate(SHOPS, start=1)]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def check_shops(data: pd.DataFrame) -> None:
    assert len(data) == len(SHOPS)
    by_street = data.set_index("unit_id")
    assert "node" not in set(data["source_category"].dropna())
    assert data["status"].tolist().count("vacant") == 2
    assert data["category"].notna().sum() >= 3
    assert set(data["street"].dropna()) == {"High Street", "Market Place"}
    assert data["brand_wikidata"].dropna().tolist() == ["Q3403981"]
    assert data["not_brand"].sum() == 1
    assert by_street["name"].notna().sum() == 3


def test_nested_tags_in_geojson_become_columns_and_type_is_not_a_use():
    result = load_units(nested_geojson(), filename="shops.geojson")
    check_shops(result.data)
    assert result.data["unit_id"].tolist()[:2] == ["node/1", "node/2"]  # node 1 is not way 1
    assert result.report.columns.get("osm_type") == "kept"
    assert any("element types" in n for n in result.report.notes)


def test_tags_as_json_text_in_a_csv():
    rows = [{"type": "node", "id": i, "lat": xy[1], "lon": xy[0], "tags": json.dumps(tags)}
            for i, (tags, xy) in enumerate(SHOPS, start=1)]
    check_shops(load_units(pd.DataFrame(rows).to_csv(index=False).encode(), filename="shops.csv").data)


def test_gdal_other_tags_hstore():
    rows = []
    for i, (tags, xy) in enumerate(SHOPS, start=1):
        name = tags.get("name")
        other = ",".join(f'"{k}"=>"{v}"' for k, v in tags.items() if k != "name")
        rows.append({"osm_id": i, "name": name, "other_tags": other, "lat": xy[1], "lon": xy[0]})
    check_shops(load_units(pd.DataFrame(rows).to_csv(index=False).encode(), filename="points.csv").data)


def test_hstore_parser_handles_quotes_and_null():
    assert parse_hstore('"name"=>"The \\"Old\\" Shop","shop"=>"gift","fixme"=>NULL') == {
        "name": 'The "Old" Shop', "shop": "gift", "fixme": ""}


def test_overpass_json_still_reads():
    doc = {"elements": [{"type": "node", "id": i, "lat": xy[1], "lon": xy[0], "tags": tags}
                        for i, (tags, xy) in enumerate(SHOPS, start=1)]}
    check_shops(load_units(json.dumps(doc).encode(), filename="overpass.json").data)


def write_pbf(path) -> None:
    """A tiny extract written with pyosmium: nodes, a shop way and a pub multipolygon."""
    import osmium
    from osmium.osm.mutable import Node, Relation, Way

    writer = osmium.SimpleWriter(str(path))
    for i, (tags, (x, y)) in enumerate(SHOPS, start=1):
        writer.add_node(Node(id=i, location=(x, y), tags=tags))
    square = [(-1.5500, 53.8000), (-1.5501, 53.8000), (-1.5501, 53.8001), (-1.5500, 53.8001)]
    for i, xy in enumerate(square, start=10):
        writer.add_node(Node(id=i, location=xy))
    for i, (x, y) in enumerate(square, start=20):
        writer.add_node(Node(id=i, location=(x + 0.001, y)))
    writer.add_way(Way(id=100, nodes=[10, 11, 12, 13, 10], tags={"shop": "clothes", "name": "Threads"}))
    writer.add_way(Way(id=101, nodes=[20, 21, 22, 23, 20]))
    writer.add_way(Way(id=102, nodes=[10, 11], tags={"highway": "residential", "name": "High Street"}))
    writer.add_relation(Relation(id=500, members=[("w", 101, "outer")],
                                 tags={"type": "multipolygon", "amenity": "pub", "name": "The Inn"}))
    writer.close()


def test_osm_pbf_extract(tmp_path):
    path = tmp_path / "town.osm.pbf"
    write_pbf(path)
    result = load_units(path)
    data = result.data
    assert len(data) == len(SHOPS) + 2  # the road is not a premises
    assert set(data["unit_id"]) >= {"way/100", "relation/500", "node/1"}
    assert data.set_index("unit_id").loc["relation/500", "category"] == "pub_bar"
    assert data["status"].eq("vacant").sum() == 2
    assert data.geometry.notna().all()


def test_pbf_without_shops_fails_loudly(tmp_path):
    import osmium
    from osmium.osm.mutable import Node

    path = tmp_path / "empty.osm.pbf"
    writer = osmium.SimpleWriter(str(path))
    writer.add_node(Node(id=1, location=(-1.5, 53.8), tags={"highway": "bus_stop"}))
    writer.close()
    with pytest.raises(LoadError, match="empty.osm.pbf: the OSM extract holds no shops"):
        read_source(path)


def test_units_file_without_any_use_column_names_what_it_found():
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"type": "node", "id": i, "tags": "not tags"},
         "geometry": {"type": "Point", "coordinates": [-1.5, 53.8]}} for i in range(3)]}
    with pytest.raises(LoadError, match=r"x.geojson: no column gives the units' use.*found .*osm_type"):
        load_units(json.dumps(doc).encode(), filename="x.geojson")


def test_real_norwich_and_isle_of_man_extracts(realdata):
    norwich = load_units(realdata / "osm_norwich" / "norwich_shop.geojson")
    assert norwich.data["status"].eq("vacant").sum() >= 31
    assert norwich.data["category"].notna().mean() > 0.8
    man = load_units(realdata / "osm_isle_of_man" / "shops.geojson")
    assert "node" not in set(man.data["source_category"].dropna().str.lower())
    assert man.data["category"].notna().mean() > 0.8


def test_diagnose_and_vacancy_score_a_nested_tags_export(tmp_path, capsys):
    """The export that once scored 0 units with `-` and no reason."""
    from agora.cli import main

    path = tmp_path / "city.geojson"
    path.write_bytes(nested_geojson())
    assert main(["vacancy", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["vacant"] == 2 and rows[0]["vacancy_rate"] == 0.4
    assert main(["diagnose", str(path), "--json", "--method", "all"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored[0]["n_scored"] >= 2
