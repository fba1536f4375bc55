package support_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/fsc/backoffice/web/webtest"
)

// listen serves the test app on a real TCP port until t ends and returns its base URL.
func listen(t *testing.T, ts *webtest.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	done := make(chan error, 1)
	go func() { done <- ts.App.Listener(ln) }()
	t.Cleanup(func() {
		_ = ts.App.Shutdown()
		<-done
	})
	return "http://" + ln.Addr().String()
}

// platformToken creates an API token of role support, as a device platform gets one.
func platformToken(t *testing.T, e *env) string {
	t.Helper()
	var tok struct {
		Token string `json:"token"`
	}
	webtest.DecodeInto(t, e.do(t, "POST", "/tokens", "admin", map[string]any{"name": "Device platform", "role": "support"}, 201), &tok)
	if tok.Token == "" {
		t.Fatal("no token")
	}
	return tok.Token
}

type alarmAnswer struct {
	TicketID int64 `json:"ticket_id"`
	Created  bool  `json:"created"`
}

// TestTwentyIdenticalAlarmsOpenOneTicket posts 20 identical alarms at the same instant
// over HTTP, each on its own connection: exactly one opens a ticket (201, created
// true), the others join it (200, created false), and the ticket holds all 20. On
// PostgreSQL (FSC_TEST_DATABASE_URL) the requests really run in parallel.
func TestTwentyIdenticalAlarmsOpenOneTicket(t *testing.T) {
	e := setup(t)
	d := e.deploy(t, e.a, "borger-7")
	token := platformToken(t, e)
	base := listen(t, e.ts)
	const n = 20
	body, _ := json.Marshal(map[string]any{"serial": d.Serial, "kind": "no_measurements", "severity": "critical",
		"occurred_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "message": "Ingen målinger i 24 timer"})
	var (
		start   = make(chan struct{})
		wg      sync.WaitGroup
		mu      sync.Mutex
		answers []alarmAnswer
		codes   = map[int]int{}
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 60 * time.Second}
			req, _ := http.NewRequest("POST", base+"/api/v1/alarms", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			<-start
			resp, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var a alarmAnswer
			if err := json.Unmarshal(b, &a); err != nil {
				t.Errorf("%d %s", resp.StatusCode, b)
			}
			mu.Lock()
			defer mu.Unlock()
			codes[resp.StatusCode]++
			answers = append(answers, a)
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for _, a := range answers {
		if a.Created {
			created++
		}
		if a.TicketID != answers[0].TicketID {
			t.Errorf("alarms went to tickets %d and %d", answers[0].TicketID, a.TicketID)
		}
	}
	if created != 1 || codes[201] != 1 || codes[200] != n-1 {
		t.Fatalf("%d created, status codes %v; want one 201 and %d 200", created, codes, n-1)
	}
	tk := e.ticket(t, "support", answers[0].TicketID)
	if len(tk.Alarms) != n || tk.Channel != "api" || tk.Category != "device_fault" || tk.Priority != "critical" ||
		tk.MemberID != e.a.ID || tk.CitizenRf == nil || *tk.CitizenRf != "borger-7" {
		t.Fatalf("alarm ticket: %d alarms, %+v", len(tk.Alarms), tk)
	}
	var list struct{ Items []ticket }
	webtest.DecodeInto(t, e.do(t, "GET", fmt.Sprintf("/tickets?device_id=%d", d.ID), "support", nil, 200), &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d tickets for the device", len(list.Items))
	}

	// Another kind opens another ticket; once the first is resolved the same kind opens a new one.
	post := func(kind, severity, serial string) (int, []byte) {
		return e.ts.Do("POST", "/api/v1/alarms", "support", map[string]any{"serial": serial, "kind": kind, "severity": severity,
			"occurred_at": time.Now().UTC().Format(time.RFC3339)})
	}
	st, b := post("battery_low", "info", d.Serial)
	var other alarmAnswer
	webtest.DecodeInto(t, b, &other)
	if st != 201 || !other.Created || other.TicketID == tk.ID {
		t.Fatalf("other kind: %d %s", st, b)
	}
	if got := e.ticket(t, "support", other.TicketID); got.Priority != "normal" {
		t.Errorf("info alarm priority %s", got.Priority)
	}
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/status", tk.ID), "support", map[string]any{"status": "resolved"}, 200)
	if st, b := post("no_measurements", "warning", d.Serial); st != 201 {
		t.Fatalf("after resolving: %d %s", st, b)
	}
	if st, b := post("no_measurements", "warning", "NO-SUCH-SERIAL"); st != 404 {
		t.Fatalf("unknown serial: %d %s", st, b)
	}
	_, err := e.ts.Inventory.CreateReceipt(e.ts.Ctx, receiptOf(e, "TAB-ON-SHELF"))
	must(t, err)
	st, b = post("no_measurements", "warning", "TAB-ON-SHELF")
	webtest.ExpectFields(t, st, b, "serial")
	st, b = e.ts.Do("POST", "/api/v1/alarms", "support", map[string]any{"serial": "", "kind": "bad kind!", "severity": "fatal"})
	webtest.ExpectFields(t, st, b, "serial", "kind", "severity", "occurred_at")
	if st, _ := e.ts.Do("POST", "/api/v1/alarms", "member", map[string]any{}); st != 403 {
		t.Fatalf("member posting an alarm: %d", st)
	}
}
