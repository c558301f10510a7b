import pytest
from .conftest import PHONE
pytestmark = pytest.mark.browser

PUBLIC = {"home": "/", "eco": "/e/alpha/", "partners": "/e/alpha/partners/", "partner": "/e/alpha/partners/robotics-for-all/", "login": "/accounts/login/", "signup": "/accounts/signup/", "404": "/e/alpha/zzz/"}
ADMIN = {"a_eco": "/e/alpha/", "a_members": "/e/alpha/members/", "a_invites": "/e/alpha/invitations/", "a_audit": "/e/alpha/audit/", "a_settings": "/e/alpha/settings/", "a_profile": "/accounts/profile/", "a_newpartner": "/e/alpha/partners/new/", "a_partners": "/e/alpha/partners/", "a_partner": "/e/alpha/partners/robotics-for-all/", "a_mfa": "/accounts/2fa/", "a_email": "/accounts/email/"}

@pytest.mark.parametrize("w", ["d", "p"])
def test_shots(site, w):
    vp = PHONE if w == "p" else {"width": 1280, "height": 800}
    page = site.new_page(viewport=vp)
    for name, path in PUBLIC.items():
        page.goto(path)
        page.screenshot(path=f"/tmp/shots/{name}-{w}.png", full_page=True)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "admin@alpha.test")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.screenshot(path=f"/tmp/shots/2fa-{w}.png", full_page=True)
    page = site.new_page(viewport=vp)
    site.sign_in(page, "admin")
    for name, path in ADMIN.items():
        page.goto(path)
        page.screenshot(path=f"/tmp/shots/{name}-{w}.png", full_page=True)
    page = site.new_page(viewport=vp)
    site.sign_in(page, "operator")
    page.screenshot(path=f"/tmp/shots/op_home-{w}.png", full_page=True)
    page.goto("/n/state/")
    page.screenshot(path=f"/tmp/shots/op_net-{w}.png", full_page=True)
    page = site.new_page(viewport=vp, language="es")
    page.goto("/e/alpha/")
    page.screenshot(path=f"/tmp/shots/es_eco-{w}.png", full_page=True)
