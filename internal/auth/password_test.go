package auth_test

import (
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"golang.org/x/crypto/bcrypt"
)

func TestHashPassword(t *testing.T) {
	h1, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == password || strings.Contains(h1, password) {
		t.Fatal("the hash contains the password")
	}
	if h1 == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if cost, err := bcrypt.Cost([]byte(h1)); err != nil || cost != auth.BcryptCost {
		t.Fatalf("bcrypt cost = %d (%v), want %d", cost, err, auth.BcryptCost)
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{
		{password, true},
		{password + " ", false},
		{strings.ToUpper(password), false},
		{"", false},
		{password[:len(password)-1], false},
	} {
		if got := auth.CheckPassword(h1, c.pw); got != c.want {
			t.Errorf("CheckPassword(%q) = %v, want %v", c.pw, got, c.want)
		}
	}
	if auth.CheckPassword("not a hash", password) {
		t.Fatal("CheckPassword accepted a malformed hash")
	}
}

func TestPasswordLengthOnCreateAndUpdate(t *testing.T) {
	f := setup(t)
	for _, c := range []struct {
		name string
		pw   string
		ok   bool
	}{
		{"one short of the minimum", strings.Repeat("a", auth.MinPasswordLength-1), false},
		{"the minimum", strings.Repeat("a", auth.MinPasswordLength), true},
		{"the minimum in letters of two bytes", strings.Repeat("æ", auth.MinPasswordLength), true},
		{"short in letters though long in bytes", strings.Repeat("ø", auth.MinPasswordLength-1), false},
		{"72 bytes, what bcrypt reads", strings.Repeat("b", 72), true},
		{"73 bytes", strings.Repeat("b", 73), false},
		{"empty", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			email := "pw" + strings.ReplaceAll(strings.ReplaceAll(c.name, " ", ""), ",", "") + "@example.dk"
			u, err := f.svc.CreateUser(f.sys, auth.NewUser{Email: email, Name: "P", Password: c.pw, Role: auth.RoleSupport})
			if c.ok {
				if err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
				if _, err := f.svc.Login(f.ctx, email, c.pw, "10.1.0.1"); err != nil {
					t.Fatalf("login with the new password: %v", err)
				}
			} else if !apperr.Is(err, apperr.KindInvalid) || fieldsOf(err)["password"] == "" {
				t.Fatalf("CreateUser = %v, want Invalid on password", err)
			}
			// The same rule when an admin changes a password.
			other := f.user(t, auth.RoleSupport, nil)
			_, err = f.svc.UpdateUser(f.sys, other.ID, auth.UserPatch{Password: &c.pw})
			if c.ok != (err == nil) || !c.ok && fieldsOf(err)["password"] == "" {
				t.Fatalf("UpdateUser password = %v, ok %v", err, c.ok)
			}
			if u != nil && strings.Contains(u.PasswordHash, c.pw) {
				t.Fatal("the stored hash contains the password")
			}
		})
	}
}
