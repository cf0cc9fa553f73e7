"""The event log: its model (rows appended, never rewritten), the filter over it, and the view."""

from __future__ import annotations

from photofinish.core.model import Competitor, Race, Snapshot
from photofinish.core.store import Store
from photofinish.session import Session
from photofinish.ui.widgets.event_log.model import KEY_ROLE, EventLogModel
from photofinish.ui.widgets.event_log.proxy import EventFilter
from photofinish.ui.widgets.event_log.view import EventLog

T0 = 1_700_000_000_000
MIN = 60_000


def race() -> tuple[Store, Session]:
    store = Store.create(
        None, Race("Log", 1_000), [Competitor("a", "Alice", ""), Competitor("b", "Bob", "")]
    )
    store.append([Snapshot(T0, "a", 100), Snapshot(T0, "b", 90)])
    return store, Session(store)


def test_new_events_are_appended_as_rows(qtbot, qtmodeltester):
    store, session = race()
    model = EventLogModel(session)
    qtmodeltester.check(model)
    before = model.rowCount()
    inserted, resets = [], []
    model.rowsInserted.connect(lambda parent, first, last: inserted.append((first, last)))
    model.modelReset.connect(lambda: resets.append(True))
    session.append([Snapshot(T0 + MIN, "a", 100), Snapshot(T0 + MIN, "b", 105)])  # Bob leads
    session.flush()
    assert inserted == [(before, model.rowCount() - 1)] and not resets
    keys = [model.index(r, 0).data(KEY_ROLE) for r in range(model.rowCount())]
    assert keys[-1] == f"lead_change:b:{T0 + MIN}"
    qtmodeltester.check(model)
    store.close()


def test_the_filter_keeps_the_kinds_chosen_and_the_text_searched(qtbot):
    store, session = race()
    session.add_note(T0 + 30_000, "Alice is on the radio")
    session.add_note(T0 + 40_000, "Bob tweets")
    session.append([Snapshot(T0 + MIN, "b", 105)])
    session.flush()
    model = EventLogModel(session)
    proxy = EventFilter()
    proxy.setSourceModel(model)
    proxy.set_kinds({"note"})
    assert proxy.rowCount() == 2
    proxy.set_text("RADIO")
    assert [proxy.index(r, 2).data() for r in range(proxy.rowCount())] == ["Alice is on the radio"]
    proxy.set_text("")
    proxy.set_kinds({"lead_change"})
    assert proxy.rowCount() == 1
    store.close()


def test_selecting_an_event_hidden_by_the_filter_says_so(qtbot):
    store, session = race()
    note = session.add_note(T0 + 30_000, "hidden by the filter")
    log = EventLog(session)
    qtbot.addWidget(log)
    log.set_kinds({"lead_change"})
    assert not log.select_key(f"id:{note.id}")
    log.set_kinds({"note"})
    assert log.select_key(f"id:{note.id}") and log.selected_key() == f"id:{note.id}"
    store.close()


def test_log_filter_by_kind_and_text_in_the_window(window, qtmodeltester):
    log = window.log_panel
    qtmodeltester.check(log.model)
    log.set_kinds({"lead_change"})
    keys = [log.proxy.index(r, 0).data(KEY_ROLE) for r in range(log.proxy.rowCount())]
    assert len(keys) == 3 and all(k.startswith("lead_change:") for k in keys)
    log.set_kinds({"lead_change", "note"})
    log.search.setText("tvnewser")
    texts = [log.proxy.index(r, 2).data() for r in range(log.proxy.rowCount())]
    assert texts and all("TVNewser" in t for t in texts)
    log.search.setText("")
    log.set_kinds(set(log.kind_actions))
    assert log.proxy.rowCount() == log.model.rowCount()


def test_log_follows_the_end_unless_scrolled_up(qtbot, window):
    session = window.session
    log = window.log_panel
    window.resize(1280, 720)
    log.view.setMaximumHeight(300)  # short enough that the log scrolls
    session.set_as_of(1239940000000)  # 03:46 UTC, before CNN retakes the lead
    qtbot.wait(50)
    scroll = log.view.verticalScrollBar()
    assert scroll.maximum() > 0
    qtbot.waitUntil(lambda: scroll.value() == scroll.maximum())
    assert log.at_bottom()
    session.set_as_of(1239943000000)
    qtbot.waitUntil(lambda: scroll.value() == scroll.maximum())
    # Scrolled up, the view stays where the user put it as events arrive.
    scroll.setValue(0)
    assert not log.at_bottom()
    session.set_as_of(1239950000000)
    qtbot.wait(50)
    assert scroll.value() == 0
