"""``python -m ops search-index``: the search-failure runbook's commands. Status says whether functions
can load the index; a rebuild from the table (dry run first) restores it."""

from __future__ import annotations

from marketplace.aws import client
from marketplace.config import settings
from marketplace.search_index import database, store, writer
from ops.cli import main
from public_api.functions.search_index_writer import CARDS
from public_api.presenters import stored_card_schema
from tests.shared.listings import make_listing
from tests.shared.people import LISTER


def test_status_and_rebuild_restore_an_index_whose_object_was_lost(platform, capsys):
    for n in range(3):
        make_listing(LISTER, status="active", title=f"Runbook house {n}")

    assert main(["search-index", "status"]) == 1
    assert "no search index is published" in capsys.readouterr().out
    assert main(["search-index", "rebuild"]) == 0
    assert "would publish 3 listings" in capsys.readouterr().out
    assert store.current_version() is None  # a dry run publishes nothing

    assert main(["search-index", "rebuild", "--apply"]) == 0
    assert main(["search-index", "status"]) == 0
    assert "version 1: 3 listings" in capsys.readouterr().out

    pointer = store.SearchIndexVersion.get(*store.POINTER_KEY)
    client("s3").delete_object(Bucket=settings().search_bucket, Key=pointer.object_key, VersionId=pointer.object_version)
    assert main(["search-index", "status"]) == 1
    assert "DOES NOT LOAD" in capsys.readouterr().out
    assert main(["search-index", "rebuild", "--apply"]) == 0
    assert main(["search-index", "status"]) == 0
    assert "version 2: 3 listings" in capsys.readouterr().out



def test_an_index_whose_cards_were_presented_for_another_card_shape_is_not_read_and_the_writer_rebuilds_it(
        platform, capsys):
    # given a published index whose cards were presented before a deployment changed the card's shape
    make_listing(LISTER, status="active", title="Reshaped card house")
    assert main(["search-index", "rebuild", "--apply"]) == 0
    published = store.load_current().connection
    database.mark_cards(published, "an-older-card")
    store.publish(published, expected=store.current_version())
    capsys.readouterr()

    # when the runbook's status reads it
    # then it does not load, and says why
    assert main(["search-index", "status"]) == 1
    assert "presented for another card shape" in capsys.readouterr().out

    # and when the writer starts (a new container after the deployment), it builds from the table and publishes
    search_writer = writer.Writer(CARDS)
    search_writer.open()
    assert "*" in search_writer.pending
    search_writer.publish()
    assert main(["search-index", "status"]) == 0
    assert database.cards_of(store.load_current().connection) == stored_card_schema()
