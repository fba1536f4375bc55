package home_test

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/web/webtest"
)

func TestLogin(t *testing.T) {
	ts := webtest.New(t)
	status, body := ts.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "Admin@Example.dk", "password": webtest.Password})
	if status != 200 {
		t.Fatalf("login: %d %s", status, body)
	}
	var sess struct {
		Token     string         `json:"token"`
		ExpiresAt string         `json:"expires_at"`
		User      map[string]any `json:"user"`
	}
	webtest.DecodeInto(t, body, &sess)
	if sess.Token == "" || sess.ExpiresAt == "" || sess.User["email"] != "admin@example.dk" || sess.User["role"] != "admin" {
		t.Fatalf("login answer: %s", body)
	}
	if strings.Contains(string(body), "password") || strings.Contains(string(body), "$2a$") {
		t.Fatalf("login answer leaks a password: %s", body)
	}
	ts.Tokens["fresh"] = sess.Token
	status, body = ts.Do("GET", "/api/v1/me", "fresh", nil)
	var me map[string]any
	webtest.DecodeInto(t, body, &me)
	if status != 200 || me["email"] != "admin@example.dk" || me["role"] != "admin" || me["member_id"] != nil || me["id"] == nil {
		t.Fatalf("me: %d %s", status, body)
	}

	_, wrongPw := ts.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "admin@example.dk", "password": "wrong-password"})
	st, unknown := ts.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "nobody@example.dk", "password": "wrong-password"})
	if st != 401 {
		t.Fatalf("unknown e-mail: %d", st)
	}
	strip := regexp.MustCompile(`"request_id":"[^"]*"`)
	if a, b := strip.ReplaceAllString(string(wrongPw), ""), strip.ReplaceAllString(string(unknown), ""); a != b {
		t.Fatalf("wrong password and unknown e-mail differ:\n%s\n%s", a, b)
	}

	// Logout ends the token.
	if st, _ := ts.Do("POST", "/api/v1/auth/logout", "fresh", nil); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	if st, _ := ts.Do("GET", "/api/v1/me", "fresh", nil); st != 401 {
		t.Fatalf("me after logout: %d", st)
	}
}

func TestLoginRateLimitedPerAccount(t *testing.T) {
	ts := webtest.New(t)
	login := func(pw string) int {
		st, _ := ts.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "finance@example.dk", "password": pw})
		return st
	}
	for i := 0; i < 5; i++ {
		if st := login("wrong-password"); st != 401 {
			t.Fatalf("attempt %d: %d, want 401", i+1, st)
		}
	}
	// Locked now, even with the right password.
	if st := login(webtest.Password); st != 429 {
		t.Fatalf("after 5 failures: %d, want 429", st)
	}
	// Another account is not affected.
	if st, body := ts.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "support@example.dk", "password": webtest.Password}); st != 200 {
		t.Fatalf("other account: %d %s", st, body)
	}
}

func TestLoginRateLimitedPerAddress(t *testing.T) {
	ts := webtest.New(t)
	// 30 attempts a minute: a burst of 30, then one more every two seconds. On a slow
	// machine the bucket refills while the attempts run, so the first refusal may come
	// later than the 31st by as many attempts as it refilled.
	start, first := time.Now(), 0
	for i := 1; i <= 100 && first == 0; i++ {
		req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(fmt.Sprintf(`{"email":"u%d@example.dk","password":"whatever-pass"}`, i)))
		req.Header.Set("Content-Type", "application/json")
		if st, body := ts.Send(req); st == 429 {
			first = i
			if !strings.Contains(string(body), `"status":429`) {
				t.Fatalf("429 body: %s", body)
			}
		}
	}
	refills := int(time.Since(start) / (2 * time.Second))
	switch {
	case first == 0:
		t.Fatal("100 attempts from one address, none refused")
	case first <= 30:
		t.Fatalf("refused at attempt %d, before the 31st", first)
	case first > 32+refills:
		t.Fatalf("first refused at attempt %d; the bucket refilled %d times, so want it by attempt %d", first, refills, 32+refills)
	}
}
