package civil_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/testenv"
)

func TestParseAndString(t *testing.T) {
	for _, s := range []string{"2024-02-29", "2023-12-31", "2025-01-01", "1999-07-04", "9999-12-31"} {
		d, err := civil.Parse(s)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		if d.IsZero() {
			t.Errorf("Parse(%q) is the zero date", s)
		}
		if got := d.String(); got != s {
			t.Errorf("Parse(%q).String() = %q", s, got)
		}
	}
}

func TestParseRefusesInvalidDates(t *testing.T) {
	for _, s := range []string{
		"", "2023-02-29", "2024-02-30", "2024-04-31", "2024-13-01", "2024-00-10", "2024-01-00",
		"2024-1-01", "2024-01-1", "24-01-01", "2024/01/01", "01-02-2024", " 2024-01-01",
		"2024-01-01 ", "2024-01-01T00:00:00Z", "2024-01-01x", "today", "2024-01-32",
	} {
		if d, err := civil.Parse(s); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", s, d)
		}
	}
}

func TestMustParsePanicsOnBadLiteral(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("MustParse of a bad literal did not panic")
		}
	}()
	civil.MustParse("2024-02-30")
}

func TestZeroDate(t *testing.T) {
	var z civil.Date
	if !z.IsZero() || z.String() != "" {
		t.Fatalf("zero date: IsZero %v, String %q", z.IsZero(), z.String())
	}
	if civil.MustParse("2024-01-01").IsZero() {
		t.Fatal("a parsed date is zero")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	type doc struct {
		On   civil.Date `json:"on"`
		Till civil.Date `json:"till"`
	}
	in := doc{On: civil.MustParse("2024-02-29")}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"on":"2024-02-29","till":null}`; string(b) != want {
		t.Fatalf("marshal = %s, want %s", b, want)
	}
	out := doc{Till: civil.MustParse("2000-01-01")} // null must clear it
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}
}

func TestUnmarshalJSONRefuses(t *testing.T) {
	for _, s := range []string{`"2024-02-30"`, `"2024-2-3"`, `""`, `20240101`, `true`, `{}`, `["2024-01-01"]`, `"2024-01-01T10:00:00Z"`} {
		var d civil.Date
		if err := json.Unmarshal([]byte(s), &d); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", s, d)
		}
	}
}

func TestComparison(t *testing.T) {
	d := civil.MustParse
	for _, c := range []struct {
		a, b          civil.Date
		before, after bool
	}{
		{d("2024-01-01"), d("2024-01-02"), true, false},
		{d("2024-01-02"), d("2024-01-01"), false, true},
		{d("2023-12-31"), d("2024-01-01"), true, false},
		{d("2024-03-01"), d("2024-03-01"), false, false},
		{civil.Date{}, d("0001-01-02"), true, false},
	} {
		if got := c.a.Before(c.b); got != c.before {
			t.Errorf("%v.Before(%v) = %v", c.a, c.b, got)
		}
		if got := c.a.After(c.b); got != c.after {
			t.Errorf("%v.After(%v) = %v", c.a, c.b, got)
		}
		if eq := c.a == c.b; eq != (!c.before && !c.after) {
			t.Errorf("%v == %v is %v", c.a, c.b, eq)
		}
	}
	// Dates from every constructor compare equal with ==, which callers rely on.
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	var scanned civil.Date
	if err := scanned.Scan(at); err != nil {
		t.Fatal(err)
	}
	if p := d("2024-03-01"); civil.Of(at) != p || scanned != p || d("2024-02-29").AddDays(1) != p || d("2024-01-01").AddMonths(2) != p {
		t.Fatal("the same day from Parse, Of, Scan, AddDays and AddMonths is not ==")
	}
}

func TestOfUsesCopenhagenAroundMidnightUTC(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		// Summer time (UTC+2): the Danish day starts at 22:00 UTC.
		{time.Date(2024, 6, 30, 21, 59, 59, 0, time.UTC), "2024-06-30"},
		{time.Date(2024, 6, 30, 22, 0, 0, 0, time.UTC), "2024-07-01"},
		{time.Date(2024, 6, 30, 23, 59, 59, 0, time.UTC), "2024-07-01"},
		// Winter time (UTC+1): at 23:00 UTC, and across a year end.
		{time.Date(2024, 12, 31, 22, 59, 59, 0, time.UTC), "2024-12-31"},
		{time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC), "2025-01-01"},
		{time.Date(2025, 1, 1, 0, 30, 0, 0, time.UTC), "2025-01-01"},
		// The nights the clocks change.
		{time.Date(2024, 3, 30, 22, 59, 59, 0, time.UTC), "2024-03-30"},
		{time.Date(2024, 3, 30, 23, 0, 0, 0, time.UTC), "2024-03-31"},
		{time.Date(2024, 10, 26, 21, 59, 59, 0, time.UTC), "2024-10-26"},
		{time.Date(2024, 10, 26, 22, 0, 0, 0, time.UTC), "2024-10-27"},
		// An instant given in another zone is the same instant.
		{time.Date(2024, 6, 30, 18, 0, 0, 0, ny), "2024-07-01"},
	} {
		if got := civil.Of(c.at).String(); got != c.want {
			t.Errorf("Of(%s) = %s, want %s", c.at.Format(time.RFC3339), got, c.want)
		}
	}
}

func TestCopenhagenIsTheRealZone(t *testing.T) {
	if got := civil.Copenhagen.String(); got != "Europe/Copenhagen" {
		t.Fatalf("zone = %q, want Europe/Copenhagen", got)
	}
}

func TestToday(t *testing.T) {
	before := civil.Of(time.Now())
	today := civil.Today()
	after := civil.Of(time.Now())
	if today.Before(before) || today.After(after) {
		t.Fatalf("Today() = %v, outside [%v, %v]", today, before, after)
	}
}

func TestAddDays(t *testing.T) {
	d := civil.MustParse
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2024-02-28", 1, "2024-02-29"},
		{"2024-02-28", 2, "2024-03-01"},
		{"2023-02-28", 1, "2023-03-01"},
		{"2024-12-31", 1, "2025-01-01"},
		{"2025-01-01", -1, "2024-12-31"},
		{"2024-03-30", 1, "2024-03-31"}, // no effect of daylight saving
		{"2024-01-15", 0, "2024-01-15"},
		{"2024-01-01", 366, "2025-01-01"},
	} {
		if got := d(c.from).AddDays(c.n).String(); got != c.want {
			t.Errorf("%s + %d days = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

func TestAddMonthsClampsToMonthEnd(t *testing.T) {
	d := civil.MustParse
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2024-05-31", -3, "2024-02-29"},
		{"2023-05-31", -3, "2023-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2023-01-31", 1, "2023-02-28"},
		{"2024-01-31", 13, "2025-02-28"},
		{"2024-08-31", 1, "2024-09-30"},
		{"2024-03-31", -1, "2024-02-29"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2024-02-29", 48, "2028-02-29"},
		{"2024-12-31", 1, "2025-01-31"},
		{"2024-01-15", -1, "2023-12-15"},
		{"2024-01-15", -25, "2021-12-15"},
		{"2024-03-15", 0, "2024-03-15"},
		{"2024-02-29", 1, "2024-03-29"}, // a day that fits is kept, not moved to month end
		{"2024-11-30", 3, "2025-02-28"},
	} {
		if got := d(c.from).AddMonths(c.n).String(); got != c.want {
			t.Errorf("%s + %d months = %s, want %s", c.from, c.n, got, c.want)
		}
	}
	if !(civil.Date{}).AddMonths(3).IsZero() {
		t.Fatal("zero date plus months is not zero")
	}
}

func TestScan(t *testing.T) {
	want := civil.MustParse("2024-07-01")
	cph := time.FixedZone("CEST", 2*3600)
	for _, v := range []any{"2024-07-01", []byte("2024-07-01"), "2024-07-01T00:00:00Z", time.Date(2024, 7, 1, 0, 0, 0, 0, cph)} {
		var d civil.Date
		if err := d.Scan(v); err != nil {
			t.Errorf("Scan(%#v): %v", v, err)
		} else if d != want {
			t.Errorf("Scan(%#v) = %v, want %v", v, d, want)
		}
	}
	d := want
	if err := d.Scan(nil); err != nil || !d.IsZero() {
		t.Fatalf("Scan(nil) = %v, %v; want zero", d, err)
	}
	for _, v := range []any{42, "2024-13-01", "garbage", 3.5} {
		if err := d.Scan(v); err == nil {
			t.Errorf("Scan(%#v) accepted", v)
		}
	}
}

// A date stored and read back through the real database is the same date, NULL is the
// zero date, and text order is date order (lists sort and filter by these columns).
func TestDatabaseRoundTrip(t *testing.T) {
	g := testenv.DB(t)
	type civilProbe struct {
		ID    int64 `gorm:"primaryKey"`
		OnDay civil.Date
	}
	if err := g.AutoMigrate(&civilProbe{}); err != nil {
		t.Fatal(err)
	}
	in := []civilProbe{{OnDay: civil.MustParse("2024-02-29")}, {}, {OnDay: civil.MustParse("2023-12-31")}, {OnDay: civil.MustParse("2024-10-01")}}
	if err := g.Create(&in).Error; err != nil {
		t.Fatal(err)
	}
	var out []civilProbe
	if err := g.Order("id").Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if out[i].OnDay != in[i].OnDay {
			t.Errorf("row %d: read %v, stored %v", i, out[i].OnDay, in[i].OnDay)
		}
	}
	var ordered []civil.Date
	if err := g.Model(&civilProbe{}).Where("on_day >= ?", civil.MustParse("2024-01-01")).Order("on_day").Pluck("on_day", &ordered).Error; err != nil {
		t.Fatal(err)
	}
	if len(ordered) != 2 || ordered[0].String() != "2024-02-29" || ordered[1].String() != "2024-10-01" {
		t.Fatalf("dates from 2024-01-01 in order = %v", ordered)
	}
}
