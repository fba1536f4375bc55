package support_test

import (
	"net/http/httptest"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

func TestQueuePageCost(t *testing.T) {
	if testing.Short() || !testing.Verbose() {
		t.Skip("a measurement: run with -v -run QueuePageCost")
	}
	e := setup(t)
	for i := 0; i < 60; i++ {
		e.phone(t, e.a, "normal", nil)
	}
	c := webtest.LoggedIn(e.ts, "support")
	res := testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			req := httptest.NewRequest("GET", "/tickets?status=new", nil)
			if st, _, _ := c.Do(req); st != 200 {
				b.Fatal(st)
			}
		}
	})
	t.Logf("queue page: %s", res)
}
