package auth_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"gorm.io/gorm"
)

// Processes starting together on a fresh database each call EnsureAdmin, with one
// e-mail or (misconfigured) several: exactly one admin is created, and every other
// call carries on without an error (the loser used to exit with "email: is already in
// use").
func TestEnsureAdminFromManyProcessesAtOnce(t *testing.T) {
	url := testenv.URL(t)
	const procs = 8
	ctxs := make([]*fixture, procs)
	for i := range ctxs {
		g, err := db.Open(url) // a pool of its own, as a process has
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(g) })
		if i == 0 {
			if err := db.Migrate(g); err != nil {
				t.Fatal(err)
			}
		}
		ctx := testenv.Context(t, g)
		ctxs[i] = &fixture{g: g, ctx: ctx, svc: auth.NewService(contracts.NewService(), nil)}
	}
	start := make(chan struct{})
	made := make([]bool, procs)
	errs := make([]error, procs)
	var wg sync.WaitGroup
	for i, f := range ctxs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := "root@example.dk"
			if i%2 == 1 {
				email = fmt.Sprintf("root%d@example.dk", i)
			}
			<-start
			made[i], errs[i] = f.svc.EnsureAdmin(f.ctx, email, password)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("process %d: EnsureAdmin: %v", i, err)
		}
	}
	if n := len(slices.DeleteFunc(made, func(b bool) bool { return !b })); n != 1 {
		t.Errorf("%d processes report creating the admin, want 1", n)
	}
	var users []auth.User
	if err := ctxs[0].g.Find(&users).Error; err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].Role != auth.RoleAdmin {
		t.Fatalf("users = %+v, want one admin", users)
	}
}

// The migration that brings stored e-mails to their one form: variants written before
// (or by hand) are normalised, two accounts differing only in case stop the migration
// with a message naming them, and afterwards the database itself refuses a second
// spelling of an address.
func TestEmailNormalisationMigration(t *testing.T) {
	before := func(t *testing.T) *gorm.DB { return testenv.DBBefore(t, "202612100010_auth_users_email_normalised") }
	raw := func(t *testing.T, g *gorm.DB, email string) error {
		return g.Exec("INSERT INTO users (email, name, role, password_hash, disabled, created_at, updated_at) VALUES (?, 'X', 'support', 'x', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", email).Error
	}

	t.Run("variants are normalised", func(t *testing.T) {
		g := before(t)
		for _, e := range []string{" Anne@Example.DK ", "bo@example.dk", "CARL@EXAMPLE.DK"} {
			if err := raw(t, g, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Migrate(g); err != nil {
			t.Fatal(err)
		}
		var got []string
		g.Table("users").Order("id").Pluck("email", &got)
		if want := []string{"anne@example.dk", "bo@example.dk", "carl@example.dk"}; !slices.Equal(got, want) {
			t.Fatalf("e-mails after the migration = %q, want %q", got, want)
		}
		if err := raw(t, g, "  BO@example.dk"); !db.IsUniqueViolation(err) {
			t.Fatalf("a second spelling inserted by hand = %v, want a unique violation", err)
		}
		s := auth.NewService(contracts.NewService(), nil)
		if _, err := s.Login(testenv.Context(t, g), "anne@example.dk", password, "10.1.1.1"); err != auth.ErrBadCredentials {
			t.Fatalf("login after the migration = %v, want the account found (bad password)", err)
		}
	})
	t.Run("accounts differing in case stop it", func(t *testing.T) {
		g := before(t)
		for _, e := range []string{"dora@example.dk", "Dora@Example.dk"} {
			if err := raw(t, g, e); err != nil {
				t.Fatal(err)
			}
		}
		err := db.Migrate(g)
		if err == nil || !strings.Contains(err.Error(), "dora@example.dk (users [1 2])") {
			t.Fatalf("Migrate = %v, want an error naming dora@example.dk and both users", err)
		}
	})
}
