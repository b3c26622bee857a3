"""A Strava bulk export (zip or folder) with a Spanish activities.csv: every CSV row is matched
with its activity file; rows without a file stay as manual summaries."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest

from coachkit.app.ingest import ingest
from coachkit.store import Store
from tests.conftest import SAMPLE

ACT = SAMPLE / "activities"
FILES = {
    # member name in the export -> committed demo file (gzipped, as Strava ships them)
    "activities/4600000001.gpx.gz": ACT / "extra_formats" / "2021-01-10_strava_export.gpx.gz",
    "activities/3700000002.gpx.gz": ACT
    / "nrc_gpx"
    / "2020-07-03T095053Z_d38c6a8b-f058-4716-a994-4d2c80e55c3c.gpx.gz",
}
# Starts as read from the GPX files' first <time> (UTC); distances/times as Strava would state
# them (km with decimal comma in the first Distancia column, seconds for times).
CSV = (
    "\ufeffID de la actividad,Fecha de la actividad,Nombre de la actividad,Tipo de actividad,"
    "Descripción de la actividad,Tiempo transcurrido,Distancia,Frecuencia cardíaca máxima,"
    "Esfuerzo relativo,Viaje,Nombre del archivo\r\n"
    '4600000001,"10 ene 2021, 8:54:28",Domingo largo con amigos,Carrera,,5127,"12,59",,,false,'
    "activities/4600000001.gpx.gz\r\n"
    '3700000002,"3 jul 2020, 9:50:53",Sexta-feira leve,Carrera,,1548,"4,09",,,false,'
    "activities/3700000002.gpx.gz\r\n"
    '5100000003,"5 ene 2021, 18:00:00",Yoga en casa,Yoga,,1800,"0,00",,,false,\r\n'
)


def _export_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("activities.csv", CSV.encode("utf-8"))
        for member, path in FILES.items():
            zf.writestr(member, path.read_bytes())
        zf.writestr("profile.csv", b"Athlete ID,Email Address\r\n1,x@example.org\r\n")
        zf.writestr("media/photo.jpg", b"\xff\xd8\xff")
    return buf.getvalue()


@pytest.mark.parametrize("as_zip", [True, False], ids=["zip", "folder"])
def test_strava_export_rows_merge_with_their_files(tmp_path, as_zip):
    data = _export_zip()
    if as_zip:
        target = tmp_path / "export_12345.zip"
        target.write_bytes(data)
    else:
        target = tmp_path / "export_12345"
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            zf.extractall(target)
    store = Store(tmp_path / "store")
    report = ingest(store, [target], "me")
    acts = store.activities("me")
    # two runs with files (CSV row + file merged) and one manual yoga session
    assert len(acts) == 3, acts[["start_time", "sport", "source_kind", "name"]]
    runs = acts[acts["sport"] == "run"].sort_values("start_time")
    assert runs["source_kind"].tolist() == ["gpx", "gpx"]  # the file outranks the CSV summary
    assert runs["has_samples"].all()
    for aid in runs["activity_id"]:
        kinds = set(store.linked_sources(aid)["source_kind"])
        assert kinds == {"gpx", "strava_export_csv"}
    yoga = acts[acts["sport"] == "other"]
    assert "manual" in yoga["quality_flags"].iloc[0]
    statuses = {o.name.rsplit("::", 1)[-1].split("/")[-1]: o.status for o in report.outcomes}
    assert statuses["profile.csv"] in ("skipped", "quarantined")
    assert "photo.jpg" in statuses and statuses["photo.jpg"] == "skipped"
    again = ingest(store, [target], "me")
    assert {o.status for o in again.outcomes} == {"unchanged"}
    shutil.rmtree(tmp_path / "store")
