"""Packages as the server reads them: the versions a re-publish replaced stay countable."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

from catalog.publishing import publish_package
from streaming.snapshot import read_package
from tests.catalog.test_hls import _built


def test_a_republished_package_knows_the_versions_it_replaced(tmp_path):
    target = tmp_path / "packages" / "a"
    work, first = _built(tmp_path, "1", b"first encode")
    publish_package(work, target, first, now=1_000.0)
    work, second = _built(tmp_path, "2", b"second encode")
    publish_package(work, target, second, now=2_000.0)

    package = read_package(target, "/vod/a")
    assert package is not None
    assert package.base_url == f"/vod/a/{second.version}"
    (old,) = package.earlier
    assert old.base_url == f"/vod/a/{first.version}"  # its files are still there
    assert old.rungs == package.rungs  # read from its own package.json
    assert package.at(datetime.fromtimestamp(1_500, UTC)) is old
    assert package.at(datetime.fromtimestamp(2_000, UTC)) is package

    shutil.rmtree(target / first.version)  # its hour is up: only the history is left
    target.joinpath("package.json").resolve().touch()  # a new read, not the cache's
    (gone,) = read_package(target, "/vod/a").earlier
    assert [s.duration for s in gone.reference] == [6.04, 2.5]
    assert gone.manifest.published_at == 1_000.0


def test_a_gone_version_timed_like_the_current_one_plays_the_current_files(tmp_path):
    """Captions added (media linked, timing identical): once the old version's files
    are gone, a replay of an airing it played plays the current files, numbered alike;
    a version timed otherwise is only counted."""
    from dataclasses import replace

    from catalog.hls import Segment

    target = tmp_path / "packages" / "a"
    work, first = _built(tmp_path, "1", b"first encode")
    publish_package(work, target, first, now=1_000.0)
    work, second = _built(tmp_path, "2", b"same timing, other bytes")
    publish_package(work, target, second, now=2_000.0)
    shutil.rmtree(target / first.version)
    target.joinpath("package.json").resolve().touch()
    package = read_package(target, "/vod/a")
    (gone,) = package.earlier
    assert gone.base_url == f"/vod/a/{second.version}"
    assert gone.manifest.published_at == 1_000.0
    assert package.at(datetime.fromtimestamp(1_500, UTC)).reference == package.reference

    work, third = _built(tmp_path, "3", b"a re-encode of another length")
    rungs = tuple(replace(r, segments=(Segment("seg_00000.ts", 6.0),)) for r in third.rungs)
    third = replace(third, rungs=rungs)
    publish_package(work, target, third, now=3_000.0)
    shutil.rmtree(target / second.version)
    target.joinpath("package.json").resolve().touch()
    earlier = read_package(target, "/vod/a").earlier
    assert earlier[-1].base_url == f"/vod/a/{second.version}"  # counted, not played


def test_a_package_with_a_rung_cut_elsewhere_is_read_and_named_in_the_log(tmp_path, caplog):
    from dataclasses import replace

    from catalog.hls import Segment, write_manifest

    work, manifest = _built(tmp_path, "1", b"encode")
    top, audio = manifest.rungs
    cut = replace(audio, segments=(Segment("seg_00000.ts", 8.54),))  # one segment, not two
    write_manifest(work, replace(manifest, rungs=(top, cut)))
    with caplog.at_level("WARNING", logger="sabaq"):
        package = read_package(work, "/vod/a")
    assert package is not None
    assert package.live_ladder == ("480p",)
    assert "rung audio is not cut where its top rung is" in caplog.text
