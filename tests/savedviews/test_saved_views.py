"""Saved views: save, stable URL, who sees and who may rename or delete, CSRF, audit."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import csrf_token, post, statements_of
from tests.members.helpers import events
from webapp.extensions import db
from webapp.savedviews import services
from webapp.savedviews.models import SavedView

LIST = "/accounts/?q=harbor&country=FRA&sort=-city&per_page=50&page=3&bogus=1&after=xyz"


def save(client, name: str, query: str = "q=harbor&country=FRA", shared: bool = False):
    data = {"name": name, "query": query, **({"shared": "y"} if shared else {})}
    return post(client, "/accounts/views/", data)


def stored(app) -> list[SavedView]:
    with app.app_context():
        views = list(db.session.scalars(select(SavedView).order_by(SavedView.id)))
        db.session.expunge_all()
        return views


def test_save_from_the_list_and_open_its_stable_url(app, signed_in):
    client = signed_in("viewer")
    page = client.get(LIST).get_data(as_text=True)
    assert 'name="query" value="q=harbor&amp;country=FRA&amp;sort=-city&amp;per_page=50"' in page
    response = save(client, " Paris harbours ", "q=harbor&country=FRA&sort=-city&per_page=50")
    assert response.status_code == 303
    assert response.headers["Location"] == "/accounts/?q=harbor&country=FRA&sort=-city&per_page=50"
    (view,) = stored(app)
    assert (view.name, view.shared) == ("Paris harbours", False)
    opened = client.get(f"/accounts/views/{view.id}")
    assert opened.status_code == 302 and opened.headers["Location"] == response.headers["Location"]
    listed = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert f'href="/accounts/views/{view.id}" aria-current="true"' in listed


def test_unknown_keys_page_and_cursor_are_dropped(ctx):
    query = "page=4&after=abc&bogus=1&q=%20acme%20&is_active=TRUE&per_page=500&sort=nope"
    assert services.normalise(query) == "q=acme&is_active=true&per_page=100"
    assert services.normalise("") == ""


def test_duplicate_name_is_422_with_a_message(app, signed_in):
    client = signed_in("editor")
    assert save(client, "Mine").status_code == 303
    response = save(client, "mine")
    assert response.status_code == 422
    assert "You already have a view of that name" in response.get_data(as_text=True)
    assert len(stored(app)) == 1


def test_names_are_unique_per_owner_only(app, signed_in):
    assert save(signed_in("editor"), "Same", shared=True).status_code == 303
    assert save(signed_in("viewer"), "Same").status_code == 303
    assert len(stored(app)) == 2


def test_without_csrf_is_400_and_saves_nothing(app, signed_in):
    client = signed_in("viewer")
    assert client.post("/accounts/views/", data={"name": "x"}).status_code == 400
    assert stored(app) == []


def test_private_views_are_the_owners_alone(app, signed_in):
    owner = signed_in("editor")
    save(owner, "Private one")
    (view,) = stored(app)
    admin = signed_in("admin")
    assert admin.get(f"/accounts/views/{view.id}").status_code == 404
    assert "Private one" not in admin.get("/accounts/").get_data(as_text=True)
    assert post(admin, f"/accounts/views/{view.id}/delete").status_code == 404
    assert post(admin, f"/accounts/views/{view.id}/rename", {"name": "x"}).status_code == 404
    assert "Private one" in owner.get("/accounts/").get_data(as_text=True)


def test_shared_views_show_to_all_staff_but_only_owner_or_admin_change_them(app, signed_in):
    owner = signed_in("viewer", "owner@example.com")
    save(owner, "Team view", shared=True)
    (view,) = stored(app)
    other = signed_in("editor")
    assert "Team view" in other.get("/accounts/").get_data(as_text=True)
    assert other.get(f"/accounts/views/{view.id}").status_code == 302
    assert post(other, f"/accounts/views/{view.id}/rename", {"name": "Mine"}).status_code == 403
    assert post(other, f"/accounts/views/{view.id}/delete").status_code == 403
    admin = signed_in("admin")
    renamed = post(admin, f"/accounts/views/{view.id}/rename", {"name": "Team"})
    assert renamed.status_code == 303 and renamed.headers["Location"] == "/accounts/views/"
    assert stored(app)[0].name == "Team"
    assert post(owner, f"/accounts/views/{view.id}/delete").status_code == 303
    assert stored(app) == []


def test_rename_to_a_taken_name_is_422(app, signed_in):
    client = signed_in("viewer")
    save(client, "One")
    save(client, "Two")
    one, _ = stored(app)
    response = post(client, f"/accounts/views/{one.id}/rename", {"name": "two"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "You already have a view of that name" in page and 'value="two"' in page


def test_create_rename_delete_are_audited(app, signed_in):
    client = signed_in("viewer")
    save(client, "Audited", shared=True)
    (view,) = stored(app)
    post(client, f"/accounts/views/{view.id}/rename", {"name": "Renamed"})
    post(client, f"/accounts/views/{view.id}/delete")
    (created,) = events(app, "saved_view.create")
    assert created.changes["name"] == [None, "Audited"] and created.actor == "viewer@example.com"
    assert events(app, "saved_view.rename")[0].changes == {"name": ["Audited", "Renamed"]}
    assert events(app, "saved_view.delete")[0].object_id == str(view.id)


def test_manage_page_works_without_javascript(app, signed_in):
    client = signed_in("viewer")
    page = client.get("/accounts/views/?q=acme&page=2").get_data(as_text=True)
    assert 'name="query" type="hidden" value="q=acme"' in page
    token = csrf_token(client, "/accounts/views/")
    response = client.post(
        "/accounts/views/", data={"csrf_token": token, "name": "A", "query": "q=acme"}
    )
    assert response.status_code == 303


def test_list_page_reads_the_views_from_the_cache_until_one_changes(app, signed_in):
    client = signed_in("viewer")
    save(client, "One")
    _, first = statements_of(app, lambda: client.get("/accounts/"))
    assert sum("FROM saved_view" in s for s in first) == 1
    page, again = statements_of(app, lambda: client.get("/accounts/"))
    assert not any("FROM saved_view" in s for s in again) and "One" in page.get_data(as_text=True)
    other = signed_in("editor")
    save(other, "Shared by another", shared=True)
    assert "Shared by another" in client.get("/accounts/").get_data(as_text=True)


def test_a_long_search_of_emoji_is_saved_whole(app, signed_in):
    client = signed_in("viewer")
    assert save(client, "Emoji", "q=" + "😀" * 300).status_code == 303
    (view,) = stored(app)
    assert view.query == services.normalise({"q": "😀" * 200}) and len(view.query) == 2402
