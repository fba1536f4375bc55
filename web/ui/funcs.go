package ui

import (
	"fmt"
	"html/template"
	"time"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/web/i18n"
)

// Funcs are the template functions every page may use; a domain adds its own through
// NewRenderer's extra.
var Funcs = template.FuncMap{
	// date shows a time as its minute in Copenhagen, a civil.Date as its day.
	"date": i18n.Date,
	// day shows the day of a time in Copenhagen.
	"day": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(civil.Copenhagen).Format("2006-01-02")
	},
	// thousands shows a whole number with Danish thousands points: -1234 → "-1.234".
	"thousands": func(n any) (string, error) {
		i, err := toInt64(n)
		return i18n.Number(i), err
	},
	// kroner shows øre as Danish kroner: 123450 → "1.234,50".
	"kroner": i18n.Kroner,
	// deref is the number a *int64 points to, 0 for nil.
	"deref": Deref[int64],
	// str is the text a *string points to, "" for nil.
	"str": Deref[string],
	// eq64 reports whether a *int64 points to b.
	"eq64": func(a *int64, b int64) bool { return a != nil && *a == b },
	// sel reports whether an option's value v is the chosen one (a form keeps values as typed).
	"sel": func(v any, chosen string) bool { return fmt.Sprint(v) == chosen },
	// pct is done of total in whole per cent, at most 100; 0 when total is not positive.
	"pct": func(done, total int) int {
		if total <= 0 {
			return 0
		}
		return min(100, done*100/total)
	},
	// pager is the "pager" partial's argument: the page's view and its Pager.
	"pager": func(v View, p Pager) pagerArg { return pagerArg{View: v, Pager: p} },
}

// Deref returns what p points to, or T's zero value for nil. It is the template
// function deref (for *int64) and str (for *string).
func Deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func toInt64(n any) (int64, error) {
	switch x := n.(type) {
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	}
	return 0, fmt.Errorf("thousands of %T", n)
}
