package home_test

import (
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

func TestBrowserLoginPage(t *testing.T) {
	b := webtest.StartBrowser(t)

	// A visitor without a session is sent to the login form, which remembers where to.
	status := b.Open("/members")
	b.ExpectPage(status, 200, "/login")
	if got := b.Value(`input[name="next"]`); got != "/members" {
		t.Errorf("login form next = %q; want /members", got)
	}
	if got := b.Attr("html", "lang"); got != "da" {
		t.Errorf("html lang = %q; want da", got)
	}
	b.ExpectText("h1", "Log ind")
	b.ExpectText(`label[for="email"]`, "E-mail")
	b.ExpectText(`label[for="password"]`, "Adgangskode")
	b.ExpectText(".top .lang", "English")
	if n := b.Count("nav.side"); n != 0 {
		t.Errorf("login page shows the side navigation (%d) to a visitor", n)
	}
	if n := b.Count(".alert"); n != 0 {
		t.Errorf("login page shows an error before any attempt: %q", b.Text(".alert"))
	}
	b.Shot("login")

	status = b.Login("admin@example.dk", "wrong-"+webtest.Password)
	b.ExpectPage(status, 401, "/login")
	b.ExpectText(`.alert[role="alert"]`, "Forkert e-mail eller adgangskode.")
	if got := b.Value("#email"); got != "admin@example.dk" {
		t.Errorf("e-mail field after a failed login = %q; want it kept", got)
	}
	b.ExpectFocus("password", "after a failed login the e-mail is kept, the password is next")
	if got := b.Value("#password"); got != "" {
		t.Errorf("password field after a failed login = %q; want it empty", got)
	}
	if got := b.Value(`input[name="next"]`); got != "/members" {
		t.Errorf("next after a failed login = %q; want /members kept", got)
	}
	if n := b.Count(`form[action="/logout"]`); n != 0 {
		t.Error("a failed login shows the logout button")
	}
	b.Shot("login-failed")
}
