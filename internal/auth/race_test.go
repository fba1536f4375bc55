package auth_test

import (
	"sync"
	"testing"

	"github.com/fsc/backoffice/internal/auth"
)

// An Authenticate that read the token from the database just before a logout or a
// revocation must not put the old principal back into the cache afterwards: once
// Logout or RevokeToken has returned, this instance refuses the token.
func TestNoStalePrincipalCachedAcrossLogoutOrRevocation(t *testing.T) {
	f := setup(t)
	u := f.user(t, auth.RoleLogistics, nil)
	for _, c := range []struct {
		name   string
		token  func(t *testing.T) (plain string, revoke func() error)
		rounds int
	}{
		{"logout", func(t *testing.T) (string, func() error) {
			plain := f.login(t, u)
			return plain, func() error { return f.svc.Logout(f.ctx, plain) }
		}, 25},
		{"revoke", func(t *testing.T) (string, func() error) {
			tok, err := f.svc.CreateToken(f.sys, auth.NewToken{Name: "racer", Role: auth.RoleFinance})
			if err != nil {
				t.Fatal(err)
			}
			return tok.Token, func() error { return f.svc.RevokeToken(f.sys, tok.ID) }
		}, 25},
		{"user disabled", func(t *testing.T) (string, func() error) {
			v := f.user(t, auth.RoleSupport, nil)
			plain := f.login(t, v)
			return plain, func() error {
				_, err := f.svc.UpdateUser(f.sys, v.ID, auth.UserPatch{Disabled: ptr(true)})
				return err
			}
		}, 12},
	} {
		t.Run(c.name, func(t *testing.T) {
			for round := range c.rounds {
				plain, revoke := c.token(t)
				stop := make(chan struct{})
				var wg sync.WaitGroup
				for range 1 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							select {
							case <-stop:
								return
							default:
								_, _ = f.svc.Authenticate(f.ctx, plain)
							}
						}
					}()
				}
				if err := revoke(); err != nil {
					t.Fatal(err)
				}
				close(stop)
				wg.Wait()
				if p, err := f.svc.Authenticate(f.ctx, plain); err == nil {
					t.Fatalf("round %d: token accepted as %+v after %s returned", round, p, c.name)
				}
			}
		})
	}
}
