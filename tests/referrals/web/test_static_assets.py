def test_the_nhsuk_stylesheets_icon_paths_lead_to_the_static_copy(client):
    response = client.get("/assets/images/nhsuk-icon-cross.svg")
    assert response.status_code == 301
    assert response["Location"] == "/static/nhsuk/assets/images/nhsuk-icon-cross.svg"


def test_nothing_else_is_served_from_assets(client):
    assert client.get("/assets/../config/settings.py").status_code == 404
    assert client.get("/assets/images/x.js").status_code == 404
