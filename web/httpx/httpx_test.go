package httpx

import (
	"bytes"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"
)

// get runs h on a request for target and returns the answer's status and body.
func get(t *testing.T, target string, h fiber.Handler) (int, []byte) {
	t.Helper()
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		return c.Status(StatusOf(err)).JSON(ProblemOf(err, "rid"))
	}})
	app.Get("/x/:id", h)
	resp, err := app.Test(httptest.NewRequest("GET", target, nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestParams(t *testing.T) {
	var p Page
	var id int64
	var q string
	st, body := get(t, "/x/12?limit=900&cursor="+EncodeCursor(77)+"&who=a+b&x=", func(c *fiber.Ctx) error {
		var err error
		if id, err = PathID(c, "id"); err != nil {
			return err
		}
		p, err = PageParams(c)
		q = Query(c, "cursor", EncodeCursor(5))
		return err
	})
	if st != 200 || id != 12 || p.Limit != 500 || p.After != 77 {
		t.Fatalf("%d %s: id %d, page %+v", st, body, id, p)
	}
	if want := "cursor=" + EncodeCursor(5) + "&limit=900&who=a+b"; q != want {
		t.Errorf("Query = %q, want %q", q, want)
	}
	if st, _ := get(t, "/x/abc", func(c *fiber.Ctx) error { _, err := PathID(c, "id"); return err }); st != 404 {
		t.Errorf("a path id that is no number: %d, want 404", st)
	}
	if st, _ := get(t, "/x/1?limit=0&cursor=nonsense", func(c *fiber.Ctx) error { _, err := PageParams(c); return err }); st != 422 {
		t.Errorf("bad page params: %d, want 422", st)
	}
	if EncodeCursor(0) != "" {
		t.Error("the cursor of the last page is not empty")
	}
}

func TestProblemOf(t *testing.T) {
	p := ProblemOf(apperr.Invalid(apperr.Field("name", apperr.Required, "is required")), "r1")
	if p.Status != 422 || p.Type != "https://fsc.example/problems/validation-failed" || p.Title != "Validation failed" ||
		len(p.Errors) != 1 || p.RequestID != "r1" {
		t.Errorf("invalid: %+v", p)
	}
	p = ProblemOf(errors.New("db on fire"), "r2")
	if p.Status != 500 || p.Detail != "internal error; quote request id r2" {
		t.Errorf("internal: %+v", p)
	}
	if p := ProblemOf(fiber.NewError(418, "teapot"), ""); p.Status != 418 || p.Type != "about:blank" || p.Detail != "teapot" {
		t.Errorf("fiber error: %+v", p)
	}
}

type row struct {
	Name string
	N    int64
	At   time.Time
	On   civil.Date
}

var cols = []Column[row]{
	{Header: "members.name", Value: func(r row) any { return r.Name }, Link: func(r row) string { return "/r/" + r.Name }},
	{Header: "members.inhabitants", Value: func(r row) any { return r.N }, Num: true, Class: "mono"},
	{Header: "audit.time", Value: func(r row) any { return r.At }},
	{Header: "part.joined", Value: func(r row) any { return r.On }},
}

func TestColumns(t *testing.T) {
	rows := []row{{"a", -1234, time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC), civil.MustParse("2026-06-02")}}
	tb := TableOf(i18n.For(i18n.DA), cols, rows)
	if tb.Head[1] != (Cell{Text: "Indbyggere", Class: "num"}) || tb.Head[0].Text != "Navn" {
		t.Errorf("head = %+v", tb.Head)
	}
	r := tb.Rows[0]
	if r[0] != (Cell{Text: "a", Href: "/r/a"}) || r[1] != (Cell{Text: "-1.234", Class: "mono num"}) || r[2].Text != "2026-06-01 12:00" || r[3].Text != "2026-06-02" {
		t.Errorf("row = %+v", r)
	}
	st, body := get(t, "/x/1", func(c *fiber.Ctx) error {
		return SendColumns(c, i18n.For(i18n.EN), "r.xlsx", "Rows", cols, rows)
	})
	if st != 200 {
		t.Fatalf("xlsx: %d", st)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.GetRows("Rows")
	if len(got) != 2 || got[0][1] != "Inhabitants" || got[1][1] != "-1234" || got[1][2] != "2026-06-01 12:00" {
		t.Errorf("sheet = %v", got)
	}
}

// A download's dates are Excel dates (numbers with a date format, so they sort and
// filter as dates), its times their minute in Copenhagen, and its header row has an
// autofilter.
func TestXLSXDatesAndAutofilter(t *testing.T) {
	rows := []row{{"a", 1, time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC), civil.MustParse("2026-06-02")}, {Name: "no dates"}}
	st, body := get(t, "/x/1", func(c *fiber.Ctx) error {
		return SendColumns(c, i18n.For(i18n.DA), "r.xlsx", "Rows", cols, rows)
	})
	if st != 200 {
		t.Fatalf("xlsx: %d", st)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for cell, want := range map[string]string{"C2": "2026-06-01 12:00", "D2": "2026-06-02", "C3": "", "D3": ""} {
		if got, _ := f.GetCellValue("Rows", cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	for cell, want := range map[string]string{"C2": "46174.5", "D2": "46175"} {
		raw, _ := f.GetCellValue("Rows", cell, excelize.Options{RawCellValue: true})
		if raw != want {
			t.Errorf("%s holds %q, want the Excel date %s", cell, raw, want)
		}
		if typ, _ := f.GetCellType("Rows", cell); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("%s is text, not a date", cell)
		}
	}
	filtered := false
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" && strings.HasSuffix(dn.RefersTo, "!$A$1:$D$3") {
			filtered = true
		}
	}
	if !filtered {
		t.Errorf("no autofilter over the header row and the rows: %+v", f.GetDefinedName())
	}
}
