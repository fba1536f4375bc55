package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"gorm.io/gorm"
)

type thing struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func setup(t *testing.T) (*gorm.DB, context.Context) {
	t.Helper()
	g := testenv.DB(t)
	return g, testenv.Context(t, g)
}

func entries(t *testing.T, g *gorm.DB) []audit.Entry {
	t.Helper()
	var es []audit.Entry
	if err := g.Order("id").Find(&es).Error; err != nil {
		t.Fatal(err)
	}
	return es
}

var errBoom = errors.New("boom")

func TestRecordCommitsAndRollsBackWithTheTransaction(t *testing.T) {
	g, ctx := setup(t)
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := audit.Record(ctx, "create", "thing", 1, nil, thing{Name: "a"}); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
	if es := entries(t, g); len(es) != 0 {
		t.Fatalf("entries after rollback = %+v, want none", es)
	}
	if err := db.WithTx(ctx, func(ctx context.Context) error {
		return audit.Record(ctx, "create", "thing", 2, nil, thing{Name: "b"})
	}); err != nil {
		t.Fatal(err)
	}
	if es := entries(t, g); len(es) != 1 || es[0].EntityID != 2 {
		t.Fatalf("entries after commit = %+v, want the one for thing 2", es)
	}
}

// A failing Record fails the caller's transaction, so no change goes unaudited.
func TestRecordErrorRollsBackTheChange(t *testing.T) {
	g, ctx := setup(t)
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := audit.Record(ctx, "create", "thing", 1, nil, thing{Name: "kept?"}); err != nil {
			return err
		}
		// A channel cannot be marshalled as JSON.
		return audit.Record(ctx, "update", "thing", 1, nil, map[string]any{"c": make(chan int)})
	})
	if err == nil || !strings.Contains(err.Error(), "marshal") {
		t.Fatalf("Record of an unmarshalable value = %v, want a marshal error", err)
	}
	if es := entries(t, g); len(es) != 0 {
		t.Fatalf("entries = %+v, want none after the failed Record", es)
	}
}

func TestEntryCarriesActorEntityStatesAndRequestID(t *testing.T) {
	uid, mid := int64(7), int64(3)
	for _, c := range []struct {
		name      string
		ctx       func(context.Context) context.Context
		wantActor audit.Entry
	}{
		{"user with request id", func(ctx context.Context) context.Context {
			ctx = audit.WithActor(ctx, audit.Actor{UserID: &uid, Name: "ann@example.dk", Role: "member", MemberID: &mid})
			return audit.WithRequestID(ctx, "req-123")
		}, audit.Entry{ActorID: &uid, Actor: "ann@example.dk", Role: "member", MemberID: &mid, RequestID: "req-123"}},
		{"token with request id", func(ctx context.Context) context.Context {
			ctx = audit.WithActor(ctx, audit.Actor{Name: "token:erp", Role: "finance"})
			return audit.WithRequestID(ctx, "req-456")
		}, audit.Entry{Actor: "token:erp", Role: "finance", RequestID: "req-456"}},
		// A job starts from a bare context: the entry names the system and has no
		// request to point at.
		{"no actor, no request id", func(ctx context.Context) context.Context { return ctx },
			audit.Entry{Actor: "system", Role: "system", RequestID: ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, ctx := setup(t)
			ctx = c.ctx(ctx)
			if got := audit.RequestID(ctx); got != c.wantActor.RequestID {
				t.Fatalf("RequestID(ctx) = %q, want %q", got, c.wantActor.RequestID)
			}
			before, after := thing{Name: "old", Count: 1}, thing{Name: "new", Count: 2}
			start := time.Now().UTC().Add(-time.Second)
			if err := db.WithTx(ctx, func(ctx context.Context) error {
				return audit.Record(ctx, "update", "thing", 42, before, after)
			}); err != nil {
				t.Fatal(err)
			}
			es := entries(t, g)
			if len(es) != 1 {
				t.Fatalf("entries = %d, want 1", len(es))
			}
			e, w := es[0], c.wantActor
			if e.Actor != w.Actor || e.Role != w.Role || !sameID(e.ActorID, w.ActorID) || !sameID(e.MemberID, w.MemberID) {
				t.Errorf("actor = %q/%q/%v/%v, want %q/%q/%v/%v", e.Actor, e.Role, deref(e.ActorID), deref(e.MemberID), w.Actor, w.Role, deref(w.ActorID), deref(w.MemberID))
			}
			if e.RequestID != w.RequestID {
				t.Errorf("request id = %q, want %q", e.RequestID, w.RequestID)
			}
			if e.Action != "update" || e.Entity != "thing" || e.EntityID != 42 {
				t.Errorf("entry names %s %s %d, want update thing 42", e.Action, e.Entity, e.EntityID)
			}
			if e.At.Before(start) || e.At.After(time.Now().Add(time.Second)) {
				t.Errorf("at = %v, not now", e.At)
			}
			var gotBefore, gotAfter thing
			if err := json.Unmarshal([]byte(e.Before), &gotBefore); err != nil || gotBefore != before {
				t.Errorf("before = %s (%v), want %+v", e.Before, err, before)
			}
			if err := json.Unmarshal([]byte(e.After), &gotAfter); err != nil || gotAfter != after {
				t.Errorf("after = %s (%v), want %+v", e.After, err, after)
			}
		})
	}
}

// In a request the id is never empty: the web layer always sets one, and Record keeps
// what it was given.
func TestRequestIDIsStoredAsGiven(t *testing.T) {
	g, ctx := setup(t)
	ids := []string{"a", "0f6b2c9e-7c1d-4d8e-9a55-3b1f0c2d4e6f", strings.Repeat("x", 64)}
	for i, id := range ids {
		if err := audit.Record(audit.WithRequestID(ctx, id), "create", "thing", int64(i+1), nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i, e := range entries(t, g) {
		if e.RequestID == "" || e.RequestID != ids[i] {
			t.Errorf("entry %d request id = %q, want %q", i, e.RequestID, ids[i])
		}
	}
}

func TestNilStatesAreNullInJSON(t *testing.T) {
	g, ctx := setup(t)
	if err := audit.Record(ctx, "delete", "thing", 1, thing{Name: "gone"}, nil); err != nil {
		t.Fatal(err)
	}
	es := entries(t, g)
	if len(es) != 1 || es[0].After != "" {
		t.Fatalf("entries = %+v, want one with no after", es)
	}
	b, err := json.Marshal(es[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	// before is the object itself, not a string holding JSON.
	if string(m["before"]) != `{"name":"gone","count":0}` {
		t.Errorf("before in JSON = %s", m["before"])
	}
	if after, ok := m["after"]; ok && string(after) != "null" {
		t.Errorf("after in JSON = %s, want null or absent", after)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	_, ctx := setup(t)
	ann, bob := int64(1), int64(2)
	asAnn := audit.WithActor(ctx, audit.Actor{UserID: &ann, Name: "ann@example.dk", Role: "admin"})
	asBob := audit.WithActor(ctx, audit.Actor{UserID: &bob, Name: "bob@example.dk", Role: "logistics"})
	// ids 1..6 in this order
	for _, r := range []struct {
		ctx    context.Context
		entity string
		id     int64
	}{
		{asAnn, "member", 10}, {asBob, "device", 20}, {asAnn, "device", 20},
		{asBob, "device", 21}, {ctx, "member", 10}, {asAnn, "member", 11},
	} {
		if err := audit.Record(r.ctx, "update", r.entity, r.id, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		f    audit.Filter
		want []int64 // entity ids of the entries, newest first
		acts []string
	}{
		{"all", audit.Filter{Limit: 50}, []int64{11, 10, 21, 20, 20, 10}, []string{"ann@example.dk", "system", "bob@example.dk", "ann@example.dk", "bob@example.dk", "ann@example.dk"}},
		{"entity", audit.Filter{Entity: "device", Limit: 50}, []int64{21, 20, 20}, nil},
		{"entity and id", audit.Filter{Entity: "member", EntityID: 10, Limit: 50}, []int64{10, 10}, []string{"system", "ann@example.dk"}},
		{"actor name", audit.Filter{Actor: "bob@example.dk", Limit: 50}, []int64{21, 20}, nil},
		{"actor id", audit.Filter{ActorID: ann, Limit: 50}, []int64{11, 20, 10}, nil},
		{"system", audit.Filter{Actor: "system", Limit: 50}, []int64{10}, nil},
		{"actor and entity", audit.Filter{ActorID: ann, Entity: "device", Limit: 50}, []int64{20}, nil},
		{"no match", audit.Filter{Entity: "nothing", Limit: 50}, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			es, next, err := audit.List(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if next != 0 {
				t.Errorf("next = %d on the only page", next)
			}
			var got []int64
			var acts []string
			for _, e := range es {
				got = append(got, e.EntityID)
				acts = append(acts, e.Actor)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("entity ids = %v, want %v", got, c.want)
			}
			if c.acts != nil && !slices.Equal(acts, c.acts) {
				t.Errorf("actors = %v, want %v", acts, c.acts)
			}
		})
	}

	// Keyset pages of 4 then 2, newest first, each entry once.
	var seen []int64
	f := audit.Filter{Limit: 4}
	for page := 0; ; page++ {
		es, next, err := audit.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if page == 0 && (len(es) != 4 || next == 0) {
			t.Fatalf("first page: %d entries, next %d; want 4 and a cursor", len(es), next)
		}
		for _, e := range es {
			seen = append(seen, e.ID)
		}
		if next == 0 {
			break
		}
		if page > 3 {
			t.Fatal("pages do not end")
		}
		f.Before = next
	}
	if !slices.Equal(seen, []int64{6, 5, 4, 3, 2, 1}) {
		t.Fatalf("paged ids = %v, want 6..1 once each", seen)
	}
}

func sameID(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// A filter without a limit gets the default page instead of a panic.
func TestListWithoutLimit(t *testing.T) {
	_, ctx := setup(t)
	for i := range 3 {
		if err := audit.Record(ctx, "create", "thing", int64(i+1), nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{0, -1} {
		es, next, err := audit.List(ctx, audit.Filter{Limit: limit})
		if err != nil || len(es) != 3 || next != 0 {
			t.Fatalf("List(limit %d) = %d entries, next %d, %v; want all 3", limit, len(es), next, err)
		}
	}
}
