"""`cht-install migrate`'s choice before any step: where the new CouchDB's data goes."""

from __future__ import annotations

from pathlib import Path

from installer.answers import from_mapping
from installer.migrate_command import new_data


def test_the_new_data_goes_beside_3x_data_and_never_onto_it() -> None:
    volume = from_mapping({"hostname": "cht.example.org"})
    assert new_data(volume) == "volume"  # CHT's layout: /opt/cht/couchdb
    folder = from_mapping({"hostname": "cht.example.org", "data": "/srv/cht"})
    assert new_data(folder) == "/srv/cht-couchdb"
    assert Path(new_data(folder)).parent == Path("/srv")

